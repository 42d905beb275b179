"""Mail: 1,000 private-link mails to an SMTP server on loopback, through kiosk's send-out.

    python bench/mail.py [--mails 1000] [--runs 3]

(a) `kiosk.mail.send_out` for --mails attendees: one connection, each mail recorded in the send
    log before (sending) and after (sent) the server's answer, the pace set to its highest
    (1,000 a second); wall time, median of --runs (the send log is emptied between runs);
(b) the same run's bare floor: smtplib alone sending the same messages (made beforehand) over
    one connection, no database.
Both go to one aiosmtpd server on 127.0.0.1 in this process, which counts what arrived.
Target (DESIGN.md): (a) <= 60 s.
"""

from __future__ import annotations

import argparse
import email.policy
import smtplib
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from kiosk import attendees, events, mail  # noqa: E402
from kiosk import db as kdb  # noqa: E402
from kiosk.attendees import AttendeeData  # noqa: E402
from kiosk.mail.settings import MAX_RATE  # noqa: E402

TARGET_S = 60.0
SECRET = "bench-secret"
BASE_URL = "http://kiosk.example"
FIRST = ["Anna", "Jürgen", "Ayşe", "Małgorzata", "Đorđe", "Nguyễn", "Olena", "Maximilian", "Zoë"]
LAST = ["Müller", "Weiß", "Öztürk", "Wójcik", "Петренко", "Al-Hassan", "Becker-Lüdenscheidt"]


class Counter:
    """An aiosmtpd handler that counts messages and bytes and keeps nothing."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages += 1
            self.bytes += len(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(db: kdb.Database, count: int, port: int) -> events.Event:
    event = events.create(db, "Netzwerktreffen Nordhessen", event_date="2026-11-22")
    for i in range(count):
        data = AttendeeData(
            first_name=FIRST[i % len(FIRST)],
            last_name=f"{LAST[i % len(LAST)]} {i}",
            email=f"person{i}@schule{i % 40}.example",
            organisation=f"Organisation {i % 40}",
        )
        attendees.create(db, event, data, how="bench")
    form = {
        "host": "127.0.0.1",
        "port": str(port),
        "security": "none",
        "sender": "orga@netzwerk.example",
        "sender_name": "Orga-Team",
        "rate": str(MAX_RATE),
    }
    mail.save_settings(db, event.id, form, secret=SECRET)
    return events.get(db, event.id)


def kiosk_run(db: kdb.Database, event: events.Event, counter: Counter, count: int) -> float:
    with kdb.transaction(db):
        db.execute("DELETE FROM mail_log WHERE event_id = ?", [event.id])
    before = counter.messages
    started = time.perf_counter()
    report = mail.send_out(db, event, "link", secret=SECRET, base_url=BASE_URL, who="bench")
    seconds = time.perf_counter() - started
    _wait_for(counter, before + count)
    assert report.sent == count, report
    return seconds


def bare_run(messages: list[tuple[str, bytes]], port: int, counter: Counter, sender: str) -> float:
    before = counter.messages
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
        for recipient, data in messages:
            smtp.sendmail(sender, [recipient], data)
    seconds = time.perf_counter() - started
    _wait_for(counter, before + len(messages))
    return seconds


def _wait_for(counter: Counter, total: int) -> None:
    deadline = time.monotonic() + 10
    while counter.messages < total and time.monotonic() < deadline:
        time.sleep(0.001)
    assert counter.messages == total, (counter.messages, total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    counter = Counter()
    port = _free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-mail-") as tmp:
        path = Path(tmp) / "kiosk.sqlite3"
        kdb.init(path)
        db = kdb.connect(path)
        try:
            print(f"preparing {args.mails} attendees ...", flush=True)
            event = prepare(db, args.mails, port)
            settings = mail.mail_settings(event)
            people = mail.recipients(db, event.id, "link")
            messages = [
                (
                    a["email"],
                    mail.link_message(event, settings, a, base_url=BASE_URL, lang="de").as_bytes(
                        policy=email.policy.SMTP
                    ),
                )
                for a in people
            ]
            kiosk_times, bare_times = [], []
            for run in range(args.runs):
                bare_times.append(bare_run(messages, port, counter, settings.sender))
                kiosk_times.append(kiosk_run(db, event, counter, args.mails))
                print(
                    f"run {run + 1}: kiosk {kiosk_times[-1]:.2f} s, bare {bare_times[-1]:.2f} s",
                    flush=True,
                )
        finally:
            db.close()
            controller.stop()
    kiosk_s, bare_s = statistics.median(kiosk_times), statistics.median(bare_times)
    size = counter.bytes / max(counter.messages, 1)
    print(f"mails per run:            {args.mails} (about {size / 1024:.1f} KiB each)")
    print(
        f"kiosk send-out:           {kiosk_s:.2f} s median of {args.runs} "
        f"({args.mails / kiosk_s:.0f} mails/s)  target <= {TARGET_S:.0f} s: "
        f"{'ok' if kiosk_s <= TARGET_S else 'MISSED'}"
    )
    print(
        f"bare smtplib, one conn.:  {bare_s:.2f} s median of {args.runs} "
        f"({args.mails / bare_s:.0f} mails/s)"
    )
    print(f"ratio kiosk / bare:       {kiosk_s / bare_s:.2f}")


if __name__ == "__main__":
    main()
