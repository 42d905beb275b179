"""Mail after the event: SMTP settings per event, the private link and the contact summary to
each attendee, send-outs that are restartable without a mail going out twice.

One module per concern: ``settings`` (the form's values, the password encrypted by
``crypto``), ``recipients`` (who gets which kind), ``messages`` (the mails and previews),
``transport`` (the SMTP connection), ``sendlog`` (the send log's states), ``sendout`` (a run),
``jobs`` (runs in the background), ``overview`` (what the organiser's section shows).
"""

from __future__ import annotations

from kiosk.mail.crypto import decrypt_password, encrypt_password
from kiosk.mail.errors import MailError
from kiosk.mail.jobs import MailJob, get_job, running_job, start_sendout
from kiosk.mail.messages import (
    Attachment,
    AttachmentsFor,
    MailPreview,
    compose,
    invitation_gaps,
    link_message,
    organiser_test_message,
    preview,
    summary_message,
)
from kiosk.mail.overview import KindStatus, MailOverview, link_status, overview
from kiosk.mail.recipients import KINDS, consent_mail, eligible, recipients
from kiosk.mail.sendlog import failed, uncertain
from kiosk.mail.sendout import SELECTIONS, SendReport, planned, send_out, send_test_mail
from kiosk.mail.settings import (
    LANGUAGES,
    SECURITY,
    MailSettings,
    mail_settings,
    require_configured,
    save_settings,
)

__all__ = [
    "KINDS",
    "LANGUAGES",
    "SECURITY",
    "SELECTIONS",
    "Attachment",
    "AttachmentsFor",
    "KindStatus",
    "MailError",
    "MailJob",
    "MailOverview",
    "MailPreview",
    "MailSettings",
    "SendReport",
    "compose",
    "consent_mail",
    "decrypt_password",
    "eligible",
    "encrypt_password",
    "failed",
    "get_job",
    "invitation_gaps",
    "link_message",
    "link_status",
    "mail_settings",
    "organiser_test_message",
    "overview",
    "planned",
    "preview",
    "recipients",
    "require_configured",
    "running_job",
    "save_settings",
    "send_out",
    "send_test_mail",
    "start_sendout",
    "summary_message",
    "uncertain",
]
