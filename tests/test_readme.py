"""README's commands do what it says: each line of its "Afterwards" block runs as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from kiosk import attendees, checkin, demo, events
from kiosk import db as kdb

README = Path(__file__).resolve().parents[1] / "README.md"


def afterwards_commands() -> list[list[str]]:
    section = README.read_text(encoding="utf-8").split("## Afterwards", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [shlex.split(line.split("#", 1)[0])[1:] for line in block.splitlines() if line]


def test_the_afterwards_commands_run_as_written(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert runner.invoke("demo", "--no-serve").exit_code == 0
    db = kdb.connect(runner.data_dir / "kiosk.sqlite3")
    event = events.current(db)
    anna = attendees.create(
        db,
        event,
        attendees.AttendeeData(
            first_name="Anna", last_name="Müller", email="anna.mueller@ihk.example"
        ),
        how="test",
    )
    checkin.check_in(db, event, anna["id"])
    db.close()
    commands = afterwards_commands()
    assert [c[0] for c in commands].count("export") == 6
    for args in commands:
        result = runner.invoke(*args, input="y\n")
        assert result.exit_code == 0, f"kiosk {' '.join(args)}: {result.output}"
        if "-o" in args:
            written = tmp_path / args[args.index("-o") + 1]
            assert written.stat().st_size > 500, written
    db = kdb.connect(runner.data_dir / "kiosk.sqlite3")
    assert attendees.list_for_event(db, events.by_slug(db, demo.DEMO_SLUG).id) == []
    db.close()
