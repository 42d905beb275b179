"""Serving the app on this laptop and the local network, and the demo event."""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import Any

import click

from kiosk import access, attendees, backups, links
from kiosk.cli.base import (
    DEFAULT_PORT,
    SERVER_THREADS,
    State,
    fail,
    lan_address,
    main,
    pass_state,
)

# -- serving -----------------------------------------------------------------------------------


def serve_app(
    state: State,
    host: str,
    port: int,
    *,
    https: bool = False,
    public_url: str = "",
    threads: int = SERVER_THREADS,
    behind_proxy: bool = False,
) -> None:
    """Serve the app (waitress; cheroot with TLS for --https); print where to open it."""
    scheme = "https" if https else "http"
    lan = lan_address() if host in ("0.0.0.0", "::") else None
    with state.db() as db:
        try:
            if public_url:
                links.remember(db, public_url)
            public = links.public_url(fallback=f"{scheme}://{lan or '127.0.0.1'}:{port}", db=db)
        except links.LinkError as exc:
            fail(str(exc))
        password = None
        if not access.has_password(db):
            password = access.generate_password()
            access.set_password(db, password)
        token = access.new_signin_token(db)
        remembered = links.stored(db)
    # Behind a proxy without a public URL given once, links follow the host the proxy names.
    configured = "" if behind_proxy and not remembered else public.rstrip("/")
    # Under --https the session cookie travels over TLS only (behind a proxy, see create_app).
    secure = {"SESSION_COOKIE_SECURE": True} if https else {}
    app = state.app(PUBLIC_URL=configured, BEHIND_PROXY=behind_proxy, **secure)
    if https:
        start, stop = _tls_server(state, app, host, port, lan, threads)
    else:
        from kiosk.cli.limits import waitress_server

        server = waitress_server(app, host, port, threads)
        start, stop = server.run, server.close
    local = f"{scheme}://127.0.0.1:{port}/"
    click.echo(f"kiosk is running. Data folder: {state.data_dir}")
    click.echo(f"  On this laptop:        {local}")
    if lan:
        click.echo(f"  On the local network:  {scheme}://{lan}:{port}/")
    if https:
        click.echo(
            "  The certificate is made by this laptop: browsers ask once to accept it "
            "(then the camera works)."
        )
    click.echo(f"  Badge QR codes point to {public}/b/...")
    click.echo(f"  Organiser sign-in (one-time link): {local}signin/{token}")
    if password:
        click.echo(f"  Organiser password (shown once, note it down): {password}")
    click.echo(
        f"  Backups every {backups.EVERY_MINUTES} minutes and on stopping: "
        f"{state.data_dir / backups.BACKUP_DIR}"
    )
    saver = backups.Every(state.database).start()
    try:
        _stop_on_sigterm()
        click.echo("Stop with Ctrl+C.")
        sys.stdout.flush()
        start()
    except KeyboardInterrupt:
        stop()
        click.echo("Stopped.")
    finally:
        made = saver.stop()
        if made:
            click.echo(f"Backup: {made}")


def _stop_on_sigterm() -> None:
    """A service manager's stop (SIGTERM) ends the server like Ctrl+C: the last backup is made."""

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # only the main thread may set handlers
        signal.signal(signal.SIGTERM, interrupt)


def _tls_server(
    state: State, app: Any, host: str, port: int, lan: str | None, threads: int
) -> tuple[Any, Any]:
    """A cheroot server speaking TLS with this laptop's own certificate (waitress has no TLS)."""
    from cheroot import wsgi
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    from kiosk.certs import ensure_certificate

    cert, key = ensure_certificate(state.data_dir / "tls", lan)
    from kiosk.cli.limits import bound_cheroot, refuse_chunked

    server = wsgi.Server((host, port), refuse_chunked(app), numthreads=threads, server_name="kiosk")
    bound_cheroot(server, app)
    server.ssl_adapter = BuiltinSSLAdapter(str(cert), str(key))
    return server.start, server.stop


@main.command("serve")
@click.option(
    "--host", default="0.0.0.0", show_default=True, help="Address to listen on (0.0.0.0 = LAN)."
)
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port to listen on.")
@click.option(
    "--public-url",
    default="",
    help="Base URL in badge QR codes, e.g. http://192.168.1.20:8000 (remembered for later "
    "runs and for `kiosk badges`; default: this laptop's LAN address).",
)
@click.option(
    "--https",
    is_flag=True,
    help="Serve with TLS and a certificate made for this laptop (browsers allow the camera "
    "only on https or on this laptop itself).",
)
@click.option(
    "--threads",
    default=SERVER_THREADS,
    show_default=True,
    help="Worker threads (requests served at once; connections are not limited by it).",
)
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="Trust one reverse proxy's X-Forwarded-For/-Proto/-Host (Caddy, nginx with TLS): links "
    "and cookies follow its https. Only with a proxy in front, else anyone could fake them.",
)
@pass_state
def serve_command(
    state: State,
    host: str,
    port: int,
    public_url: str,
    https: bool,
    threads: int,
    behind_proxy: bool,
) -> None:
    """Run the production server for this laptop and the local network (or, behind a reverse
    proxy, on a server)."""
    serve_app(
        state,
        host,
        port,
        https=https,
        public_url=public_url,
        threads=threads,
        behind_proxy=behind_proxy,
    )


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Only create the demo event, do not serve.")
@pass_state
def demo_command(state: State, host: str, port: int, no_serve: bool) -> None:
    """Create a ready demo event with realistic attendees (if absent) and serve it."""
    from kiosk import demo, online

    with state.db() as db:
        event, created = demo.ensure_demo(db)
        count = attendees.count(db, event.id)
        split = online.arrivals(db, event)
    verb = "Created" if created else "Using"
    click.echo(
        f"{verb} demo event '{event.name}' (hybrid): {count['registered']} attendees, "
        f"{split['registered_online']} of them online; {count['arrived']} already checked in "
        f"({split['online']} online)."
    )
    if not no_serve:
        serve_app(state, host, port)
