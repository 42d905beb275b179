"""The demo event: a Kassel-style network meeting with about 80 realistic, made-up attendees,
some arrived and swapping contacts, and an earlier meeting of the same network (so the report
tells new connections from known ones). The meeting is hybrid: a few take part online, with a
video link, "Ich bin dabei" and contact requests, so one demo shows both sides."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from kiosk import attendees, checkin, contact_requests, contacts, events
from kiosk import db as kdb
from kiosk import online as kiosk_online
from kiosk.attendees import AttendeeData

DEMO_SLUG = "netzwerktreffen-kassel-demo"
DEMO_NAME = "Netzwerktreffen Kassel (Demo)"
DEMO_NETWORK = "Netzwerk Übergang Schule–Beruf Kassel"
#: Fixed seed: the demo is the same on every machine, so screenshots and tests agree.
SEED = 2026

#: One vocabulary for interests, offers and seeks, as the network uses it.
TOPICS = (
    "Berufsorientierung",
    "Azubi-Sharing",
    "Inklusion",
    "Praktikumsplätze",
    "Sprachförderung",
    "Elternarbeit",
    "Digitalisierung",
    "Ausbildungsabbruch",
    "Einstiegsqualifizierung",
    "Assistierte Ausbildung",
    "Mentoring",
    "Bewerbungstraining",
    "Fachkräftesicherung",
    "Teilzeitausbildung",
    "Jugendberufsagentur",
    "Geflüchtete",
    "Schulverweigerung",
    "Betriebserkundungen",
)
OFFERS_BY_TYPE = {
    "Betrieb": (
        "Praktikumsplätze",
        "Ausbildungsplätze",
        "Betriebserkundungen",
        "Azubi-Botschafter",
    ),
    "Schule": ("Praktikumsbetreuung", "Klassenbesuche", "Elternabende"),
    "Schulamt": ("Berufsorientierung", "Fortbildungen"),
    "Jobcenter": ("Förderberatung", "Assistierte Ausbildung", "Einstiegsqualifizierung"),
    "Agentur für Arbeit": ("Berufsberatung", "Einstiegsqualifizierung"),
    "Kammer": ("Ausbildungsberatung", "Lehrstellenbörse", "Prüfungsvorbereitung"),
    "Jugendprojekt": ("Mentoring", "Bewerbungstraining", "Sprachförderung"),
    "Freier Träger": ("Einzelfallbegleitung", "Sprachförderung", "Bewerbungstraining"),
}
SEEKS_BY_TYPE = {
    "Betrieb": ("Auszubildende", "Bewerbungstraining", "Sprachförderung", "Klassenbesuche"),
    "Schule": ("Praktikumsplätze", "Betriebserkundungen", "Azubi-Botschafter", "Mentoring"),
    "Schulamt": ("Praktikumsplätze", "Ausbildungsplätze"),
    "Jobcenter": ("Ausbildungsplätze", "Mentoring", "Teilzeitausbildung"),
    "Agentur für Arbeit": ("Praktikumsplätze", "Klassenbesuche"),
    "Kammer": ("Azubi-Botschafter", "Elternabende"),
    "Jugendprojekt": ("Praktikumsplätze", "Ausbildungsplätze", "Förderberatung"),
    "Freier Träger": ("Praktikumsplätze", "Ausbildungsberatung", "Förderberatung"),
}
ORGANISATIONS = (
    ("Verkehrsbetriebe Nordhessen GmbH", "Betrieb", "Stadtnetz Ausbildung", 6),
    ("Klinikum Fuldatal gGmbH", "Betrieb", "Pflege hat Zukunft", 5),
    ("Tischlerei Brandt & Söhne", "Betrieb", "", 2),
    ("Wohnungsbau Kassel-Nord eG", "Betrieb", "Stadtnetz Ausbildung", 3),
    ("Elektro Nowak GmbH", "Betrieb", "Azubi-Sharing Nordhessen", 2),
    ("Hotel am Bergpark", "Betrieb", "Azubi-Sharing Nordhessen", 2),
    ("Sparkasse Kassel-Land", "Betrieb", "", 4),
    ("Max-Eyth-Schule", "Schule", "OloV Kassel", 5),
    ("Oskar-von-Miller-Schule", "Schule", "Praxistage", 3),
    ("Offene Schule Waldau", "Schule", "OloV Kassel", 3),
    ("Carl-Schomburg-Schule", "Schule", "Praxistage", 3),
    ("Staatliches Schulamt Kassel", "Schulamt", "OloV Kassel", 3),
    ("Jobcenter Stadt Kassel", "Jobcenter", "Jugendberufsagentur Kassel", 5),
    ("Agentur für Arbeit Kassel", "Agentur für Arbeit", "Jugendberufsagentur Kassel", 3),
    ("IHK Kassel-Marburg", "Kammer", "Passgenaue Besetzung", 3),
    ("Handwerkskammer Kassel", "Kammer", "Passgenaue Besetzung", 4),
    ("Jugendwerkstatt Rothenditmold", "Jugendprojekt", "Werkstatt plus", 3),
    ("Kompetenzagentur Kassel", "Jugendprojekt", "Jugend stärken", 3),
    ("Internationaler Bund Nordhessen", "Freier Träger", "Perspektive Ausbildung", 5),
    ("Caritas Nordhessen-Kassel", "Freier Träger", "Ankommen in Arbeit", 4),
    ("Stadt Kassel, Jugendamt", "Kommune", "Jugendberufsagentur Kassel", 2),
    ("Universität Kassel", "Hochschule", "Studienorientierung", 2),
    ("Kreishandwerkerschaft Kassel", "Kammer", "", 2),
    ("Diakonie Hessen, Jugendhilfe", "Freier Träger", "Jugend stärken", 3),
)
FIRST_NAMES = (
    "Anna",
    "Jürgen",
    "Ayşe",
    "Maximilian",
    "Sabine",
    "Mehmet",
    "Katarzyna",
    "Thomas",
    "Leonie",
    "Dragana",
    "Björn",
    "Fatma",
    "Sören",
    "Claudia",
    "Olena",
    "Markus",
    "Renée",
    "Hüseyin",
    "Birgit",
    "Jan",
    "Miriam",
    "Stefan",
    "Zoë",
    "Andreas",
    "Nadia",
    "Uwe",
    "Petra",
    "Ole",
    "Julia",
    "Kemal",
    "Sandra",
    "Tobias",
    "Monika",
    "Lukas",
    "Ines",
    "Frank",
)
LAST_NAMES = (
    "Müller",
    "Schäfer",
    "Öztürk",
    "Becker",
    "Wagner",
    "Kowalska",
    "Hoffmann",
    "Đorđević",
    "Krüger",
    "Yılmaz",
    "Schröder",
    "Weiß",
    "Petrenko",
    "Fischer",
    "Bäcker",
    "Nguyen",
    "Zimmermann",
    "Braun",
    "Lange",
    "Al-Hassan",
    "Koch",
    "Richter",
    "Kaya",
    "Schmitt",
    "Hartmann",
    "Wolff",
    "Nowak",
    "Sommer",
    "Lorenz",
    "Herrmann",
)
ROLES_BY_TYPE = {
    "Betrieb": ("Ausbildungsleitung", "Ausbilder", "Personalreferentin", "Geschäftsführung"),
    "Schule": ("Lehrerin", "Lehrer", "Schulleitung", "Berufsorientierung (StuBO)"),
    "Schulamt": ("Schulamtsdirektorin", "Koordination OloV"),
    "Jobcenter": ("Teamleitung U25", "Integrationsfachkraft"),
    "Agentur für Arbeit": ("Berufsberaterin", "Berufsberater"),
    "Kammer": ("Ausbildungsberater", "Passgenaue Besetzung"),
    "Jugendprojekt": ("Sozialpädagogin", "Projektleitung"),
    "Freier Träger": ("Projektleitung", "Sozialarbeiter"),
    "Kommune": ("Jugendberufshilfe", "Koordination"),
    "Hochschule": ("Studienberatung", "Transferstelle"),
}
CHECKED_IN = 18
#: Contacts swapped at the demo event, and at the earlier meeting of the network.
CONTACT_PAIRS = 16
EARLIER_PAIRS = 12
#: The earlier meeting: how long ago, and how many of today's people were there too.
EARLIER_DAYS_AGO = 120
EARLIER_SHARE = 0.6
EARLIER_SLUG = "netzwerktreffen-kassel-fruehjahr-demo"
#: The earlier meeting keeps its data a year (its deadline is not due on a newcomer's first run).
EARLIER_RETENTION_DAYS = 365
#: Pairs who met in spring and come again today.
KNOWN_PAIRS = 3
#: Private links already mailed, and the mail server they went through.
MAILS_SENT = 12
DEMO_MAIL = {
    "host": "smtp.netzwerk-kassel.example",
    "port": "587",
    "security": "starttls",
    "sender": "orga@netzwerk-kassel.example",
    "sender_name": "Orga-Team Netzwerk Kassel",
}
EARLIER_NAME = "Netzwerktreffen Kassel, Frühjahr (Demo)"
#: The meeting is hybrid: where it is, the video link, and who joins online (of them, how many
#: said "Ich bin dabei" already, and how many asked someone for a contact).
DEMO_PLACE = "Rathaus Kassel, Bürgersaal, Obere Königsstraße 8, 34117 Kassel"
DEMO_VIDEO_URL = "https://meet.netzwerk-kassel.example/netzwerktreffen"
ONLINE = 14
ONLINE_CHECKED_IN = 6
ONLINE_REQUESTS = 3
#: The meeting began this long before the demo was made, and lasts this long.
STARTED_MINUTES_AGO = 60
LASTS_HOURS = 4
#: Notes people keep on some of their contacts.
NOTES = (
    "Praktikumsplätze für die 9. Klassen im Mai – anrufen",
    "Will Unterlagen zur Einstiegsqualifizierung schicken",
    "Gemeinsamer Elternabend im Herbst?",
    "Kennt jemanden bei der Kammer für Teilzeitausbildung",
    "Azubi-Botschafter für unsere Berufsorientierungswoche anfragen",
)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "đ": "d"})


def _email(first: str, last: str, organisation: str) -> str:
    def part(text: str) -> str:
        text = unicodedata.normalize("NFKD", text.lower().translate(_UMLAUTS))
        return "".join(
            c for c in text.replace(" ", "-") if c.isascii() and (c.isalnum() or c == "-")
        )

    domain = part(organisation.split(",")[0].split(" ")[0])
    return f"{part(first)}.{part(last)}@{domain}.example"


def demo_people(seed: int = SEED) -> list[AttendeeData]:
    """The demo's attendees, the same every time."""
    rng = random.Random(seed)
    people = []
    used: set[tuple[str, str]] = set()
    for organisation, org_type, project, size in ORGANISATIONS:
        for _ in range(size):
            while True:
                name = (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
                if name not in used:
                    used.add(name)
                    break
            first, last = name
            roles = ROLES_BY_TYPE.get(org_type, ("Koordination",))
            offers = OFFERS_BY_TYPE.get(org_type, ())
            seeks = SEEKS_BY_TYPE.get(org_type, ())
            people.append(
                AttendeeData(
                    first_name=first,
                    last_name=last,
                    email=_email(first, last, organisation),
                    phone=f"0561 {rng.randint(100000, 999999)}",
                    organisation=organisation,
                    organisation_type=org_type,
                    project=project,
                    role=rng.choice(roles),
                    interests=rng.sample(TOPICS, rng.randint(2, 5)),
                    offers=rng.sample(offers, min(len(offers), rng.randint(0, 2))),
                    seeks=rng.sample(seeks, min(len(seeks), rng.randint(0, 2))),
                    consent_matchmaking=rng.random() < 0.8,
                    consent_share_contact=rng.random() < 0.65,
                )
            )
    return people


def ensure_demo(db: Database) -> tuple[events.Event, bool]:
    """The demo event, created with its attendees if absent; True when it was just made."""
    try:
        return events.by_slug(db, DEMO_SLUG), False
    except events.EventError:
        pass
    people = demo_people()
    rng = random.Random(SEED)
    today = datetime.now(UTC)
    with kdb.transaction(db):
        # The earlier meeting first: the demo event, made last, becomes the current one.
        spring = today - timedelta(days=EARLIER_DAYS_AGO)
        earlier = _event(db, EARLIER_NAME, EARLIER_SLUG, spring)
        events.update_settings(db, earlier.id, {"retention_days": EARLIER_RETENTION_DAYS})
        returning = rng.sample(people, round(len(people) * EARLIER_SHARE))
        before = [attendees.create(db, earlier, p, how="demo") for p in returning]
        _arrive(db, earlier, before, spring - timedelta(hours=2), rng)
        _swap(db, earlier, before, EARLIER_PAIRS, rng, notes=False)

        # The local date: the times of "Ich bin dabei" are this laptop's local times.
        event = _event(db, DEMO_NAME, DEMO_SLUG, today.astimezone())
        event = events.update_settings(db, event.id, _hybrid_settings())
        # A separate random stream: who joins online leaves the rest of the demo as it was.
        remote = {id(p) for p in random.Random(SEED + 1).sample(people, ONLINE)}
        created = [
            attendees.create(db, event, _attending(p, id(p) in remote), how="demo") for p in people
        ]
        # Some who met in spring came again (the report tells known from new connections).
        known = _known_pairs(db, earlier, event)
        by_id = {a["id"]: a for a in created}
        on_site = {a["id"] for a in created if a["attendance"] != "online"}
        pairs = [pair for pair in sorted(known, key=sorted) if pair <= on_site][:KNOWN_PAIRS]
        again = [by_id[i] for pair in pairs for i in sorted(pair)]
        rest = [a for a in created if a not in again and a["id"] in on_site]
        arriving = again + rng.sample(rest, CHECKED_IN - len(again))
        arrived = _arrive(db, event, arriving, today - timedelta(minutes=50), rng)
        joined = [a for a in created if a["id"] not in on_site]
        joined = _arrive(
            db, event, joined[:ONLINE_CHECKED_IN], today - timedelta(minutes=20), rng, online=True
        )
    # Those who agreed saw their suggestions on their phones; some of them met afterwards.
    shown = _show_suggestions(db, arrived)
    with kdb.transaction(db):
        _swap(db, event, arrived, CONTACT_PAIRS, rng, notes=True, prefer=known | shown)
        _mails(db, event, created[:MAILS_SENT])
    _ask(db, event, joined, arrived)
    return event, True


def _hybrid_settings() -> dict[str, Any]:
    """Place, video link and times around now (in this laptop's time zone), so that "Ich bin
    dabei" is open while one tries the demo."""
    now = datetime.now().astimezone()
    start = max(
        now.replace(minute=0, second=0, microsecond=0) - timedelta(minutes=STARTED_MINUTES_AGO),
        now.replace(hour=0, minute=0, second=0, microsecond=0),
    )
    end = min(start + timedelta(hours=LASTS_HOURS), now.replace(hour=23, minute=59))
    return {
        "format": "hybrid",
        "place": DEMO_PLACE,
        "video_url": DEMO_VIDEO_URL,
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
    }


def _attending(person: AttendeeData, remote: bool) -> AttendeeData:
    return replace(person, attendance="online" if remote else "on-site")


def _ask(
    db: Database, event: events.Event, joined: list[dict[str, Any]], here: list[dict[str, Any]]
) -> None:
    """Some who joined online ask people on site for a contact; the first one was accepted."""
    askers = [a for a in joined if a["consent_matchmaking"]]
    asked = [a for a in here if a["consent_matchmaking"]]
    for i, (one, other) in enumerate(list(zip(askers, asked, strict=False))[:ONLINE_REQUESTS]):
        contact_requests.send(db, event, one["id"], other["id"])
        if i == 0:
            request = contact_requests.incoming(db, attendees.get(db, other["id"]))[0]
            contact_requests.answer(db, event, other["id"], request["request_id"], accept=True)


def _show_suggestions(db: Database, people: list[dict[str, Any]]) -> set[frozenset[int]]:
    """Show each consenting arrival their suggestions, as their own page does."""
    from kiosk import matching

    pairs: set[frozenset[int]] = set()
    for attendee in people:
        for s in matching.to_show(db, attendees.get(db, attendee["id"]), matching.DESK_SIZE):
            pairs.add(frozenset((attendee["id"], s.attendee_id)))
    return pairs


def _mails(db: Database, event: events.Event, people: list[dict[str, Any]]) -> None:
    """A mail server the organiser set up and the private links it already sent."""
    from kiosk import mail
    from kiosk.mail import sendlog

    mail.save_settings(db, event.id, DEMO_MAIL, secret="")
    for attendee in people:
        claimed = sendlog.claim(db, event.id, attendee, "link")
        if claimed is not None:
            sendlog.mark_sent(db, claimed)


def _event(db: Database, name: str, slug: str, when: datetime) -> events.Event:
    event = events.create(db, name, event_date=when.date().isoformat(), network=DEMO_NETWORK)
    db["events"].update(event.id, {"slug": slug})
    return events.get(db, event.id)


def _arrive(
    db: Database,
    event: events.Event,
    people: list[dict[str, Any]],
    start: datetime,
    rng: random.Random,
    *,
    online: bool = False,
) -> list[dict[str, Any]]:
    """Check people in through the desk's own service, a minute or three apart (at the desk
    "online" for who said "Ich bin dabei")."""
    arrival = start
    desk = kiosk_online.ONLINE_DESK if online else "Eingang"
    for attendee in people:
        arrival += timedelta(minutes=rng.randint(1, 3), seconds=rng.randint(0, 59))
        at = arrival.isoformat(timespec="milliseconds")
        checkin.check_in(db, event, attendee["id"], desk=desk, at=at, how="demo")
    return people


def _known_pairs(db: Database, earlier: events.Event, event: events.Event) -> set[frozenset[int]]:
    """Today's attendee ids of pairs who swapped contacts at the earlier meeting."""
    today = {
        r["person_id"]: r["id"]
        for r in kdb.rows(db, "SELECT id, person_id FROM attendees WHERE event_id = ?", [event.id])
    }
    pairs = kdb.rows(
        db,
        """SELECT a.person_id AS one, b.person_id AS two FROM contacts c
        JOIN attendees a ON a.id = c.owner_id JOIN attendees b ON b.id = c.other_id
        WHERE c.event_id = ?""",
        [earlier.id],
    )
    return {
        frozenset((today[p["one"]], today[p["two"]]))
        for p in pairs
        if p["one"] in today and p["two"] in today
    }


def _swap(
    db: Database,
    event: events.Event,
    people: list[dict[str, Any]],
    count: int,
    rng: random.Random,
    *,
    notes: bool,
    prefer: set[frozenset[int]] | None = None,
) -> None:
    """Swap contacts between people of different organisations, some with a private note."""
    ids = {a["id"] for a in people}
    candidates = [
        pair
        for pair in (prefer or set())
        if pair <= ids and len({_org(people, i) for i in pair}) == 2
    ]
    candidates = sorted(candidates, key=sorted)[: count // 2]
    while len(candidates) < count:
        one, two = rng.sample(people, 2)
        pair = frozenset((one["id"], two["id"]))
        if one["organisation"] != two["organisation"] and pair not in candidates:
            candidates.append(pair)
    for pair in candidates:
        one, two = sorted(pair)
        contacts.swap(db, event, one, two, how=rng.choice(("phone", "phone", "desk")))
        if notes and rng.random() < 0.4:
            mine = next(c for c in contacts.list_for(db, one) if c["other_id"] == two)
            contacts.set_note(db, one, mine["id"], rng.choice(NOTES))


def _org(people: list[dict[str, Any]], attendee_id: int) -> str:
    return next(a["organisation"] for a in people if a["id"] == attendee_id)
