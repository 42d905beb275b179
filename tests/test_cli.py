"""The kiosk command: help texts, the data folder, events, attendees, demo, exit codes."""

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import click
import pytest

from kiosk.cli import main


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, (*prefix, name)))
    return found


@pytest.mark.parametrize("path", all_commands(main), ids=" ".join)
def test_every_command_explains_itself(runner, path: tuple[str, ...]) -> None:
    result = runner.invoke(*path, "--help")
    assert result.exit_code == 0
    command = main
    for name in path:
        command = command.commands[name]
    assert command.help and len(command.help.split()) >= 3, f"{path} needs a help text"


def test_top_level_help_lists_the_contract_commands(runner) -> None:
    output = runner.invoke("--help").output
    for name in ("demo", "serve", "event", "attendees"):
        assert re.search(rf"^\s+{name}\s", output, re.M), name


def test_event_create_and_list(runner) -> None:
    assert runner.invoke("event", "create", "Netzwerkbrunch", "--date", "2027-03-12").exit_code == 0
    runner.invoke("event", "create", "Ausbildungsmesse")
    listed = json.loads(runner.invoke("event", "list", "--json").output)
    assert [(e["slug"], e["current"]) for e in listed] == [
        ("ausbildungsmesse", True),
        ("netzwerkbrunch", False),
    ]
    assert runner.invoke("event", "choose", "netzwerkbrunch").exit_code == 0
    assert "* netzwerkbrunch" in runner.invoke("event", "list").output


def test_failures_exit_non_zero_with_one_line(runner) -> None:
    result = runner.invoke("attendees")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "kiosk event create" in result.output
    result = runner.invoke("event", "create", "X", "--date", "gestern")
    assert result.exit_code == 1 and "YYYY-MM-DD" in result.output
    assert runner.invoke("attendees", "--event", "gibt-es-nicht").exit_code == 1


def test_demo_creates_80_attendees_once_with_mixed_consents(runner) -> None:
    first = runner.invoke("demo", "--no-serve")
    assert first.exit_code == 0 and "Created demo event" in first.output
    again = runner.invoke("demo", "--no-serve")
    assert "Using demo event" in again.output
    people = json.loads(runner.invoke("attendees", "--json").output)
    assert 75 <= len(people) <= 85
    assert {p["organisation_type"] for p in people} >= {
        "Betrieb",
        "Schule",
        "Schulamt",
        "Jobcenter",
        "Kammer",
        "Jugendprojekt",
    }
    consents = {p["consent_matchmaking"] for p in people}
    assert consents == {True, False}
    arrived = [p for p in people if p["checked_in_at"]]
    assert 5 <= len(arrived) <= 30
    assert {p["checked_in_desk"] for p in arrived} == {"Eingang", "online"}
    assert "online" in first.output
    assert all(isinstance(p["interests"], list) and p["interests"] for p in people)


def test_attendees_json_has_the_contract_fields(runner) -> None:
    runner.invoke("demo", "--no-serve")
    person = json.loads(runner.invoke("attendees", "--json").output)[0]
    for key in (
        "code",
        "first_name",
        "last_name",
        "email",
        "phone",
        "organisation",
        "organisation_type",
        "project",
        "role",
        "interests",
        "offers",
        "seeks",
        "consent_matchmaking",
        "consent_share_contact",
        "checked_in_at",
    ):
        assert key in person
    assert isinstance(person["consent_share_contact"], bool)


def test_data_folder_from_option_then_environment(tmp_path: Path) -> None:
    env = {**os.environ, "KIOSK_DATA": str(tmp_path / "from-env")}
    kiosk = [sys.executable, "-m", "kiosk"]
    subprocess.run([*kiosk, "event", "create", "A"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*kiosk, "--data", str(tmp_path / "from-option"), "event", "create", "B"],
        env=env,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "from-env" / "kiosk.sqlite3").exists()
    assert (tmp_path / "from-option" / "kiosk.sqlite3").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["from-env", "from-option"]


def test_serve_prints_urls_and_sign_in_and_answers(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "--data",
            str(tmp_path),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--public-url",
            "http://kiosk.example:8000/",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        while not any("Stop with" in line for line in lines):
            line = server.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        output = "".join(lines)
        url = re.search(r"On this laptop:\s+(\S+)", output).group(1)
        signin = re.search(r"sign-in \(one-time link\): (\S+)", output).group(1)
        password = re.search(r"password \(shown once.*\): (\S+)", output).group(1)
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200 and "kiosk" in response.read().decode()
        assert len(password) >= 8 and signin.startswith(url)
        assert "Badge QR codes point to http://kiosk.example:8000/b/..." in output
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
    # The public URL is remembered for `kiosk badges` and later runs.
    from kiosk import db as kdb

    database = kdb.connect(tmp_path / "kiosk.sqlite3")
    assert kdb.get_setting(database, "public_url") == "http://kiosk.example:8000"
    database.close()
