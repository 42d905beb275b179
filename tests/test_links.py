"""Links: the public base URL (given, remembered, else the address in use) and private pages."""

import pytest

from kiosk import links


def test_public_url_prefers_given_then_remembered_then_fallback(db) -> None:
    assert links.public_url("", "http://10.0.0.5:8000/", db=db) == "http://10.0.0.5:8000"
    links.remember(db, "https://kiosk.example/")
    assert links.public_url("", "http://10.0.0.5:8000", db=db) == "https://kiosk.example"
    assert links.public_url("http://192.168.1.20:8000", db=db) == "http://192.168.1.20:8000"
    assert links.stored(db) == "https://kiosk.example"


@pytest.mark.parametrize("bad", ["kiosk.example", "ftp://kiosk.example", "javascript:alert(1)"])
def test_a_public_url_that_is_not_http_is_refused(db, bad) -> None:
    with pytest.raises(links.LinkError) as caught:
        links.remember(db, bad)
    assert caught.value.code == "bad_url"
    assert links.stored(db) == ""


def test_private_link_holds_the_secret_not_the_badge_code() -> None:
    attendee = {"code": "ABC", "secret": "s3cr3t"}
    assert links.private_link("http://kiosk.test/", attendee) == "http://kiosk.test/me/s3cr3t"
