"""The SMTP password at rest: encrypted with a key derived from the installation's secret.

Fernet (AES with an HMAC) with a key made by HKDF from the secret string: the database file
alone, a backup of it or a copied event does not reveal the password; the data folder's secret
(or the app's SECRET_KEY) is needed too. A new secret makes a stored password unreadable; the
organiser then types it again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.mail.errors import MailError

# Fixed salt and purpose: the same secret gives other keys for other purposes.
_SALT = b"kiosk mail settings"
_INFO = b"smtp password v1"


def _fernet(secret: str) -> Fernet:
    if not secret:
        raise MailError("no_secret", "The installation has no secret to encrypt with.")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_password(secret: str, password: str) -> str:
    """The password as stored: a Fernet token (ASCII), never the password itself."""
    return _fernet(secret).encrypt(password.encode("utf-8")).decode("ascii")


def decrypt_password(secret: str, token: str) -> str:
    """The password back from its token; ``password_unreadable`` when the secret changed."""
    try:
        return _fernet(secret).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise MailError(
            "password_unreadable",
            "The stored SMTP password cannot be read with this installation's secret; "
            "enter it again.",
        ) from exc
