"""Benchmark matchmaking: suggestions for everybody and for one, and table plans; prints medians.

Run: python bench/matching.py [--people 10000] [--repeat 3] [--fair FILE.xlsx] [--quality-only]
Targets (DESIGN.md): everybody at 10,000 <= 1 s, one attendee <= 5 ms. Table plans have no target
there; they are made while people wait in the room, so each is held to a few seconds here.
Quality (DESIGN.md, "matching quality"), for the fair and the network-meeting files, with nobody
and with 20 % checked in: suggestions without anything in common (target 0), seekers who get a
provider first (100 %), seekers of something only one person offers who get that person
(100 %), and at a meeting the most-suggested person's load over the median (<= 3).
Synthetic people are made in memory with a fixed seed, so runs compare; the training fair's
registration file (from the shared data folder) goes through the import into a real SQLite file.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kiosk import matching
from kiosk.matching import Model, Profile

#: DESIGN.md, "suggestions for everybody, 10,000 attendees".
EVERYBODY_TARGET_SECONDS = 1.0
#: DESIGN.md, "suggestions for one attendee".
ONE_TARGET_MS = 5.0
#: A table plan is made at the venue while people wait (not in DESIGN.md's table).
TABLE_PLAN_TARGET_SECONDS = 5.0
#: The training fair: 40 companies and about 1,500 pupils (the shared test data).
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FAIR = SHARED_DATA / "ausbildungsmesse.xlsx"
#: The files whose suggestions' quality is printed: a fair and two network meetings.
QUALITY_FILES = (
    "ausbildungsmesse.xlsx",
    "netzwerktreffen-excel.csv",
    "online-registration-export.csv",
)
#: Share of people checked in for the "during the event" figures.
CHECKED_IN_SHARE = 0.2
#: DESIGN.md: at a meeting, the most-suggested person's load over the median.
LOAD_RATIO_TARGET = 3.0
TOPICS = [f"Thema {k}" for k in range(60)] + ["Azubi-Sharing", "Inklusion", "Berufsorientierung"]
TRADES = [f"Beruf {k}" for k in range(40)] + ["Praktikumsplätze", "Ausbildungsplätze"]


def synthetic_people(n: int, seed: int = 1) -> list[Profile]:
    """n attendees of ~n/12 organisations and 120 projects, with skewed topic popularity."""
    rng = random.Random(seed)
    weights = [1 / (k + 1) ** 0.7 for k in range(len(TOPICS))]
    people = []
    for i in range(n):
        org = f"Organisation {rng.randrange(max(1, n // 12))}"
        project = f"Projekt {rng.randrange(120)}" if rng.random() < 0.7 else ""
        people.append(
            Profile(
                id=i + 1,
                person_id=i + 1,
                code=f"C{i:019d}",
                name=f"Person {i}",
                organisation=org,
                project=project,
                role="",
                interests=frozenset(
                    matching.term_key(t) for t in rng.choices(TOPICS, weights, k=rng.randint(1, 6))
                ),
                offers=frozenset(
                    matching.term_key(t) for t in rng.sample(TRADES, rng.randint(0, 3))
                ),
                seeks=frozenset(
                    matching.term_key(t) for t in rng.sample(TRADES, rng.randint(0, 3))
                ),
                present=rng.random() < 0.6,
            )
        )
    return people


def median_time(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _fresh_database(folder: str) -> tuple[Any, Any]:
    """A new SQLite file with one event in ``folder``: (database, event)."""
    from kiosk import db as kdb
    from kiosk import events

    path = Path(folder) / "bench.sqlite3"
    kdb.init(path)
    database = kdb.connect(path)
    return database, events.create(database, "Bench", network="bench")


def _fair(path: Path, repeat: int) -> tuple[float, int]:
    """Everybody's five suggestions at the training fair, read through the import as the tests
    do (its "Einwilligung" column is the matchmaking consent): median seconds, people matched."""
    from kiosk import importing
    from kiosk.text import fold

    with tempfile.TemporaryDirectory() as folder:
        database, event = _fresh_database(folder)
        table = importing.read_file(path.read_bytes(), path.name)
        mapping = [
            "consent_matchmaking" if fold(h) == "einwilligung" else target
            for h, target in zip(table.header, importing.auto_mapping(table.header), strict=True)
        ]
        importing.run(database, event, table, mapping)
        seconds = median_time(lambda: matching.for_everybody(database, event, 5), repeat)
        people = matching.for_everybody(database, event, 5).model.n
        database.close()
    return seconds, people


def _share(value: float | None) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f} %"


def quality_of_file(path: Path, *, sole_provider: bool = False) -> list[tuple[str, Any]]:
    """The quality figures of everybody's suggestions (lists of 10) for one registration file,
    with nobody and with 20 % checked in (a fixed random choice); ``sole_provider`` adds a
    company that alone trains a trade 30 pupils seek."""
    from kiosk import db as kdb
    from kiosk import importing

    out = []
    with tempfile.TemporaryDirectory() as folder:
        database, event = _fresh_database(folder)
        table = importing.read_file(path.read_bytes(), path.name)
        importing.run(database, event, table, importing.auto_mapping(table.header))
        if sole_provider:
            _add_sole_provider(database, event)
        if importing.nobody_consents(database, event):
            # The import warns; then consent is collected at check-in or on the own page.
            with kdb.transaction(database):
                database.execute("UPDATE attendees SET consent_matchmaking = 1")
            out.append(("consent", "collected at check-in (the file has none)"))
        out.append(("nobody here", matching.measure(matching.for_everybody(database, event))))
        ids = [r["id"] for r in kdb.rows(database, "SELECT id FROM attendees ORDER BY id")]
        here = random.Random(5).sample(ids, round(CHECKED_IN_SHARE * len(ids)))
        with kdb.transaction(database):
            database.conn.executemany(
                "UPDATE attendees SET checked_in_at = ? WHERE id = ?",
                [(kdb.now(), i) for i in here],
            )
        plan = matching.for_everybody(database, event)
        out.append((f"{CHECKED_IN_SHARE:.0%} here", matching.measure(plan)))
        out.append(("rule", plan.model.rule))
        database.close()
    return out


def _add_sole_provider(database: Any, event: Any) -> None:
    """One more company that alone trains a trade, which 30 pupils also seek (the shared fair
    has no trade only one company trains, so the third figure would have nobody to count)."""
    from kiosk import attendees
    from kiosk import db as kdb

    attendees.create(
        database,
        event,
        attendees.AttendeeData(
            first_name="Zora",
            organisation="Zahntechnik Solo",
            role="Aussteller",
            offers=["Zahntechniker/in"],
            consent_matchmaking=True,
        ),
        how="bench",
    )
    pupils = kdb.rows(
        database,
        "SELECT id, seeks FROM attendees WHERE role = 'Besucher' AND consent_matchmaking = 1 "
        "ORDER BY id LIMIT 30",
    )
    with kdb.transaction(database):
        for p in pupils:
            seeks = [*json.loads(p["seeks"] or "[]"), "Zahntechniker/in"]
            database["attendees"].update(p["id"], {"seeks": json.dumps(seeks)})


def print_quality(folder: Path) -> None:
    """Print the quality figures of every file in QUALITY_FILES found in ``folder``."""
    runs = [(name, name, False) for name in QUALITY_FILES]
    runs.insert(1, (QUALITY_FILES[0], f"{QUALITY_FILES[0]} + a sole provider", True))
    for filename, name, sole in runs:
        path = folder / filename
        if not path.exists():
            print(f"quality, {name}: not found, skipped")
            continue
        found = quality_of_file(path, sole_provider=sole)
        rule = dict(found)["rule"]
        for label, q in found:
            if label in ("rule", "consent"):
                if label == "consent":
                    print(f"quality, {name}: nobody consented to matchmaking; consent {q}")
                continue
            ratio = "n/a" if q.load_ratio is None else f"{q.load_ratio:.1f}"
            print(
                f"quality, {name} ({label}, rule {rule}): {q.suggestions} suggestions, "
                f"without anything in common {_share(q.without_common)} (target 0); "
                f"provider first {_share(q.provider_first)} of {q.seekers} seekers "
                f"(target 100 %); sole provider kept {_share(q.sole_provider_kept)} of "
                f"{q.sole_seekers} (target 100 %); max load {q.max_load} / median "
                f"{q.median_load:g} = {ratio} (target <= {LOAD_RATIO_TARGET:g} at a meeting); "
                f"empty lists {q.empty_lists}"
            )


def _brunch_table_plan(repeat: int) -> float:
    """A table plan for a brunch of 60 present people, 3 rounds at tables of 6, from the database
    (loading, costs, seating and storing the plan)."""
    from kiosk import db as kdb

    topics = ["Inklusion", "Mentoring", "Azubi-Sharing", "Elternarbeit", "Sprachförderung"]
    with tempfile.TemporaryDirectory() as folder:
        database, event = _fresh_database(folder)
        stamp = kdb.now()
        rows = [
            {
                "event_id": event.id,
                "code": f"{k:020d}",
                "secret": f"s{k}",
                "first_name": f"P{k}",
                "organisation": f"Organisation {k % 12}",
                "project": f"Projekt {k % 5}",
                "interests": json.dumps([topics[k % 5], topics[(k * 3) % 5]]),
                "consent_matchmaking": int(k % 7 != 0),
                "checked_in_at": stamp,
                "status": "registered",
                "created_at": stamp,
            }
            for k in range(60)
        ]
        with kdb.transaction(database):
            database["attendees"].insert_all(rows)
        seconds = median_time(lambda: matching.make_table_plan(database, event, 6, 3), repeat)
        database.close()
    return seconds


def _from_database(people: list[Profile], repeat: int) -> tuple[float, list[float]]:
    """The same people as attendee rows in a real SQLite file: what the app does on a change
    (median seconds), and one attendee's list as a page asks for it (seconds each)."""
    from kiosk import db as kdb

    with tempfile.TemporaryDirectory() as folder:
        database, event = _fresh_database(folder)
        stamp = kdb.now()
        rows = [
            {
                "event_id": event.id,
                "code": f"{p.id:020d}",
                "secret": f"s{p.id}",
                "first_name": p.name,
                "organisation": p.organisation,
                "project": p.project,
                "interests": json.dumps(sorted(p.interests)),
                "offers": json.dumps(sorted(p.offers)),
                "seeks": json.dumps(sorted(p.seeks)),
                "consent_matchmaking": 1,
                "checked_in_at": stamp if p.present else None,
                "status": "registered",
                "created_at": stamp,
            }
            for p in people
        ]
        with kdb.transaction(database):
            database["attendees"].insert_all(rows, batch_size=1000)
        seconds = median_time(lambda: matching.for_everybody(database, event), repeat)
        ids = [r["id"] for r in kdb.rows(database, "SELECT id FROM attendees")]
        matching.for_attendee(database, event, ids[0])  # the event's plan, made once
        one = []
        for attendee_id in random.Random(6).sample(ids, min(200, len(ids))):
            start = time.perf_counter()
            matching.for_attendee(database, event, attendee_id)
            one.append(time.perf_counter() - start)
        database.close()
    return seconds, one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fair", type=Path, default=FAIR, help="the training fair's file")
    parser.add_argument("--quality-only", action="store_true", help="only the quality figures")
    args = parser.parse_args()

    print_quality(args.fair.parent)
    if args.quality_only:
        return

    people = synthetic_people(args.people)
    rng = random.Random(2)
    met = [(rng.randint(1, args.people), rng.randint(1, args.people)) for _ in range(args.people)]

    build = median_time(lambda: Model(people, met=met), args.repeat)
    model = Model(people, met=met)
    everybody = median_time(lambda: matching.plan(model, matching.PLAN_SIZE), args.repeat)
    result = matching.plan(model, matching.PLAN_SIZE)
    print(f"people: {args.people}, vocabulary columns: {model.A.shape[1]}")
    print(f"model from profiles:            median {build:.3f} s")
    print(
        f"suggestions for everybody (10): median {everybody:.3f} s  "
        f"(target <= {EVERYBODY_TARGET_SECONDS:g} s at 10,000); "
        f"bound {result.bound}, max load {int(result.load.max())}, "
        f"suggested to nobody {int((result.load == 0).sum())}, overflow {result.overflow}"
    )
    print(f"model + everybody:              {build + everybody:.3f} s")

    database_seconds, from_db = _from_database(people, args.repeat)
    print(f"from the database (load + model + everybody): median {database_seconds:.3f} s")
    print(
        f"one attendee from the database (plan made): median "
        f"{statistics.median(from_db) * 1000:.2f} ms, max {max(from_db) * 1000:.2f} ms  "
        f"(target <= {ONE_TARGET_MS:g} ms)"
    )

    picks = np.random.default_rng(3).integers(0, model.n, 300).tolist()
    load = result.load
    one = []
    for i in picks:
        start = time.perf_counter()
        model.suggest_one(i, matching.PLAN_SIZE, load=load, bound=result.bound)
        one.append(time.perf_counter() - start)
    with_reasons = []
    for i in picks[:100]:
        start = time.perf_counter()
        result.suggestions(model.profiles[i].id)
        with_reasons.append(time.perf_counter() - start)
    print(
        f"one attendee (10, balanced):    median {statistics.median(one) * 1000:.2f} ms, "
        f"max {max(one) * 1000:.2f} ms  (target <= {ONE_TARGET_MS:g} ms)"
    )
    print(f"one attendee's reasons (10):    median {statistics.median(with_reasons) * 1000:.2f} ms")

    seated = synthetic_people(300, seed=4)
    cost_model = Model(seated)
    fit = cost_model.A @ cost_model.B.T
    cost = -(fit + fit.T) / 2
    org = cost_model.org[:300]
    cost = cost + matching.TABLE_SAME_ORG_COST * (org[:, None] == org[None, :])
    tables = median_time(lambda: matching.seat_rounds(cost, 6, 4), args.repeat)
    plan = matching.seat_rounds(cost, 6, 4)
    print(
        f"table plan 300 x 4 rounds of 6: median {tables:.3f} s  "
        f"(target <= {TABLE_PLAN_TARGET_SECONDS:g} s); repeats {plan.repeats}"
    )
    brunch = _brunch_table_plan(args.repeat)
    print(
        f"table plan, brunch of 60 (db):  median {brunch:.3f} s  "
        f"(target <= {TABLE_PLAN_TARGET_SECONDS:g} s)"
    )

    if args.fair.exists():
        fair, matched = _fair(args.fair, args.repeat)
        print(
            f"training fair, everybody (5):   median {fair:.3f} s for {matched} people  "
            f"(target <= {EVERYBODY_TARGET_SECONDS:g} s at 10,000)"
        )
    else:
        print(f"training fair: {args.fair} not found, skipped")


if __name__ == "__main__":
    main()
