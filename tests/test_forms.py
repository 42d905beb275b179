"""The shared form pieces (templates/_macros.html): CSRF on every POST form, fields tied to their
hints and errors, one-button forms that work with and without htmx."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kiosk import access, attendees, contacts, create_app, desks, events
from kiosk import db as kdb
from kiosk.attendees import AttendeeData

from conftest import Element, by_id, read_html

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
MACROS = TEMPLATES / "_macros.html"
#: Pages of the import, which still write their CSRF fields themselves.
IMPORT_TEMPLATES = {
    "admin/import.html",
    "admin/import_preview.html",
    "admin/_import_preview.html",
    "admin/import_result.html",
}
PASSWORD = "passwort-123"
CSRF_FIELD = re.compile(r"""name\s*=\s*["']?csrf_token\b""")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def name_of(path: Path) -> str:
    return path.relative_to(TEMPLATES).as_posix()


def post_forms(source: str) -> list[str]:
    """The text of each ``<form method="post">`` in a template, from its tag to ``</form>``."""
    # Jinja inside a tag may hold ">" (a comparison): blank it out, keeping the length.
    plain = JINJA.sub(
        lambda m: m.group(0)[:2] + " " * (len(m.group(0)) - 4) + m.group(0)[-2:], source
    )
    found = []
    for tag in re.finditer(r"<form\b[^>]*>", plain, re.I):
        if re.search(r"""\bmethod\s*=\s*["']?post\b""", tag.group(0), re.I):
            end = plain.find("</form>", tag.end())
            assert end > 0, f"a form without </form>: {tag.group(0)}"
            found.append(source[tag.start() : end])
    return found


# -- in the templates -----------------------------------------------------------------------------


def test_only_the_macros_write_the_csrf_field() -> None:
    by_hand = [
        name_of(path)
        for path in templates()
        if path != MACROS
        and name_of(path) not in IMPORT_TEMPLATES
        and CSRF_FIELD.search(path.read_text(encoding="utf-8"))
    ]
    assert not by_hand, f"use {{{{ ui.csrf() }}}} or ui.post_button: {by_hand}"
    assert CSRF_FIELD.search(MACROS.read_text(encoding="utf-8"))


def test_every_post_form_in_the_templates_sends_the_csrf_token() -> None:
    forms = {path: post_forms(path.read_text(encoding="utf-8")) for path in templates()}
    missing = [
        f"{name_of(path)}: {form.splitlines()[0]}"
        for path, found in forms.items()
        for form in found
        if "ui.csrf(" not in form
        and not (path == MACROS and "{{ csrf(" in form)
        and not CSRF_FIELD.search(form)
    ]
    assert not missing, "POST forms without the CSRF field:\n" + "\n".join(missing)
    # The scan sees the forms (a pattern that finds none would pass on anything).
    assert sum(len(found) for found in forms.values()) >= 15
    assert len(forms[MACROS]) == 1  # post_button's


# -- the macros on their own ---------------------------------------------------------------------


def render(app: Any, source: str, **context: Any) -> str:
    with app.test_request_context("/"):
        template = app.jinja_env.from_string(source)
        return template.render(**context)


def test_field_ties_its_hint_and_error_to_the_input(app: Any) -> None:
    html = render(
        app,
        "{{ ui.field('email', 'E-Mail', 'x@', error='Falsch', hint='Für Rückfragen',"
        " type='email') }}",
    )
    elements = by_id(read_html(html))
    field = elements["f-email"]
    assert (field.tag, field.attrs["type"], field.attrs["value"]) == ("input", "email", "x@")
    assert field.attrs["aria-invalid"] == "true"
    assert field.attrs["aria-describedby"] == "f-email-hint f-email-error"
    assert elements["f-email-hint"].text == "Für Rückfragen"
    assert elements["f-email-error"].text == "Falsch"
    label = next(e for e in read_html(html) if e.tag == "label")
    assert (label.attrs["for"], label.text) == ("f-email", "E-Mail")


def test_field_without_an_error_is_not_marked(app: Any) -> None:
    html = render(
        app, "{{ ui.field('org', 'Organisation', id='w-org', attrs={'autofocus': true}) }}"
    )
    field = by_id(read_html(html))["w-org"]
    assert "aria-invalid" not in field.attrs and "aria-describedby" not in field.attrs
    assert field.attrs["autofocus"] == "" and field.attrs["maxlength"] == "300"


def form_of(html: str) -> tuple[Element, dict[str, str], Element]:
    """The one form in ``html``: the form, its hidden fields and its button."""
    elements = read_html(html)
    (form,) = [e for e in elements if e.tag == "form"]
    hidden = {
        e.attrs["name"]: e.attrs["value"]
        for e in form.inside
        if e.tag == "input" and e.attrs.get("type") == "hidden"
    }
    (button,) = [e for e in form.inside if e.tag == "button"]
    return form, hidden, button


def test_post_button_works_without_javascript_and_with_htmx(app: Any) -> None:
    html = render(
        app,
        "{{ ui.post_button('/x/1/checkin', 'Einchecken', button_class='primary', target='#result',"
        " hidden={'verdict': 'met'}, confirm='Sicher?', token='T0KEN') }}",
    )
    form, hidden, button = form_of(html)
    assert (form.attrs["method"], form.attrs["action"], form.attrs["class"]) == (
        "post",
        "/x/1/checkin",
        "inline",
    )
    assert (form.attrs["hx-post"], form.attrs["hx-target"], form.attrs["hx-swap"]) == (
        "/x/1/checkin",
        "#result",
        "outerHTML",
    )
    assert form.attrs["data-confirm"] == "Sicher?"
    assert hidden == {"csrf_token": "T0KEN", "verdict": "met"}
    assert (button.attrs["type"], button.attrs["class"], button.text) == (
        "submit",
        "primary",
        "Einchecken",
    )


def test_post_button_without_target_is_a_plain_form_with_a_fresh_token(app: Any) -> None:
    html = render(
        app, "{{ ui.post_button('/lang/en', 'English', name='go', value='1', form_class='') }}"
    )
    form, hidden, button = form_of(html)
    assert not any(name.startswith("hx-") for name in form.attrs)
    assert "class" not in form.attrs and "data-confirm" not in form.attrs
    assert len(hidden["csrf_token"]) > 20
    assert (button.attrs["name"], button.attrs["value"]) == ("go", "1")


def test_search_form_searches_as_one_types_and_without_javascript(app: Any) -> None:
    html = render(
        app,
        "{{ ui.search_form('/admin/attendees', '#rows', 'Mül', push_url=true, delay='250ms') }}",
    )
    elements = read_html(html)
    form = elements[0]
    assert (form.tag, form.attrs["method"], form.attrs["role"]) == ("form", "get", "search")
    field = by_id(elements)["q"]
    assert (field.attrs["type"], field.attrs["name"], field.attrs["value"]) == (
        "search",
        "q",
        "Mül",
    )
    assert field.attrs["hx-get"] == "/admin/attendees" and field.attrs["hx-target"] == "#rows"
    assert field.attrs["hx-trigger"] == "input changed delay:250ms, search"
    assert field.attrs["hx-push-url"] == "true"
    assert '<noscript><button type="submit">' in html


def test_error_block_is_an_alert_only_when_there_is_an_error(app: Any) -> None:
    assert render(app, "{{ ui.error_block('') }}").strip() == ""
    (block,) = read_html(render(app, "{{ ui.error_block('Das Passwort stimmt nicht.') }}"))
    assert (block.attrs["role"], block.text) == ("alert", "Das Passwort stimmt nicht.")


# -- on the rendered pages, with CSRF protection on -----------------------------------------------


@pytest.fixture
def protected(tmp_path: Path) -> Any:
    """An app with CSRF on, an event with three people (two swapped contacts) and a desk."""
    app = create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": "t", "TESTING": True})
    database = kdb.connect(app.config["DATABASE"])
    access.set_password(database, PASSWORD)
    event = events.create(database, "Netzwerkbrunch", event_date="2026-11-22")
    people = [
        attendees.create(
            database,
            event,
            AttendeeData(first_name=f, last_name=last, organisation=org, consent_matchmaking=True),
            how="test",
        )
        for f, last, org in (
            ("Anna", "Müller", "Max-Eyth-Schule"),
            ("Kemal", "Kaya", "Jobcenter Kassel"),
            ("Ole", "Weiß", "Tiefbau Hauptstraße"),
        )
    ]
    contacts.swap(database, event, people[0]["id"], people[1]["id"], how="test")
    desks.add(database, "Eingang 1", "desk")
    database.close()
    return app, people


def token_of(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def test_every_rendered_post_form_carries_a_token_the_app_accepts(protected: Any) -> None:
    app, (anna, _kemal, ole) = protected
    organiser = app.test_client()
    token = token_of(organiser.get("/login").get_data(as_text=True))
    assert (
        organiser.post("/login", data={"password": PASSWORD, "csrf_token": token}).status_code
        == 303
    )
    hx = {"HX-Request": "true"}
    pages = [
        "/admin/",
        "/admin/attendees",
        f"/admin/attendees/{anna['id']}",
        "/admin/attendees/new",
        "/admin/badges",
        "/admin/desks",
        "/admin/matching",
        "/admin/matching/synonyms",
        "/admin/privacy",
        "/admin/tables",
        "/desk/",
        "/desk/walkin",
        "/desk/swap",
    ]
    fragments = [
        "/desk/search?q=M%C3%BCller",
        f"/desk/attendee/{anna['id']}",
        "/admin/badges/people?q=M%C3%BCller",
    ]
    answers = [organiser.get(url) for url in pages]
    answers += [organiser.get(url, headers=hx) for url in fragments]
    signed_in = {**hx, "X-CSRFToken": token_of(answers[0].get_data(as_text=True))}
    answers.append(organiser.post(f"/desk/attendee/{anna['id']}/checkin", headers=signed_in))
    phone = app.test_client()
    answers.append(phone.get(f"/me/{anna['secret']}"))  # remembers whose phone this is
    answers.append(phone.get(f"/b/{ole['code']}"))
    forms = 0
    for answer in answers:
        assert answer.status_code == 200, answer.request.path
        html = answer.get_data(as_text=True)
        for form in (e for e in read_html(html) if e.tag == "form"):
            if form.attrs.get("method", "get").lower() != "post":
                continue
            forms += 1
            tokens = [
                e.attrs.get("value", "")
                for e in form.inside
                if e.tag == "input" and e.attrs.get("name") == "csrf_token"
            ]
            assert len(tokens) == 1 and tokens[0], (answer.request.path, form.attrs)
            client = phone if answer.request.path.startswith(("/me/", "/b/")) else organiser
            assert (
                client.post("/lang/de", data={"csrf_token": tokens[0], "next": "/"}).status_code
                == 303
            ), (answer.request.path, form.attrs)
    assert forms >= 30
    refused = organiser.post("/lang/de", data={"csrf_token": "falsch", "next": "/"})
    assert refused.status_code == 400
