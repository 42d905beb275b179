"""What one visitor on the venue network may cost the server: bounded requests and connections.

waitress reads a whole request before the app sees it, so the bounds must hold there: the
body at the app's upload limit, the header block, the number of connections, and the parts
of a chunked body that waitress itself does not bound (the chunk-size line and the trailer,
each of which it joins and searches again on every read: 40 MB of ``a`` without a line break
cost minutes of CPU).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.receiver import ChunkedReceiver
from waitress.utilities import BadRequest

log = logging.getLogger("kiosk.serve")

#: Longest chunk-size line accepted: a hexadecimal size and maybe a short extension.
MAX_CHUNK_LINE = 1024
#: Longest trailer block after the last chunk.
MAX_TRAILER = 8 * 1024
#: Longest request line plus headers (cookies and a CSRF token are well under 8 KB).
MAX_HEADER_BYTES = 32 * 1024
#: Connections open at once: 300 phones and 20 desks with room to spare; each costs a file
#: descriptor, and select() on Windows handles 512 at most.
CONNECTION_LIMIT = 500
#: Seconds an idle connection is kept: a phone polling every few seconds keeps its own.
IDLE_SECONDS = 60
#: Connections one address may hold open at once (a browser opens six at most): one device
#: cannot take all of ``CONNECTION_LIMIT`` and lock everybody else out. Not behind a proxy
#: (every visitor comes from its address) and not for this laptop itself.
PER_ADDRESS = 50
THIS_LAPTOP = frozenset({"127.0.0.1", "::1"})


class BoundedChunkedReceiver(ChunkedReceiver):
    """waitress's chunked body reader, refusing an overlong chunk-size line or trailer
    before it is joined and searched again with every read."""

    def received(self, s: bytes) -> int:
        consumed = super().received(s)
        if len(self.control_line) > MAX_CHUNK_LINE and not self.error:
            self.error = BadRequest("Chunk size line too long")
            self.all_chunks_received = True
        elif len(self.trailer) > MAX_TRAILER and not self.error:
            self.error = BadRequest("Trailer too long")
            self.all_chunks_received = True
        return consumed


class BoundedParser(HTTPRequestParser):
    """waitress's request parser with the bounded chunked reader."""

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if self.chunked and isinstance(self.body_rcv, ChunkedReceiver):
            self.body_rcv = BoundedChunkedReceiver(self.body_rcv.buf)


class BoundedChannel(HTTPChannel):
    """A connection whose requests are read by ``BoundedParser``, closed at once when its
    address already holds ``PER_ADDRESS`` connections."""

    parser_class = BoundedParser
    _address: str | None = None

    def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
        super().__init__(server, sock, addr, adj, map)
        per_address: Counter[str] | None = getattr(server, "kiosk_per_address", None)
        address = addr[0] if isinstance(addr, tuple) else str(addr)
        if per_address is None or address in THIS_LAPTOP:
            return
        self._address = address
        per_address[address] += 1
        if per_address[address] > PER_ADDRESS:
            log.warning("refused: too many connections from one address")
            self.handle_close()

    def del_channel(self, map: Any = None) -> None:
        if self._address is not None:
            per_address: Counter[str] = self.server.kiosk_per_address
            per_address[self._address] -= 1
            if per_address[self._address] <= 0:
                del per_address[self._address]
            self._address = None
        super().del_channel(map)


def waitress_server(app: Any, host: str, port: int, threads: int) -> Any:
    """A waitress server for ``app`` with every bound above and the app's upload limit."""
    # "Task queue depth is 3" on every request of a rush means nothing to an organiser
    # (requests wait their turn for a few milliseconds) and costs each of them a log record.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    listeners: dict[int, Any] = {}
    server = create_server(
        app,
        map=listeners,
        host=host,
        port=port,
        threads=threads,
        ident="kiosk",
        # waitress refuses a body of exactly this size; Flask refuses anything above it.
        max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1,
        max_request_header_size=MAX_HEADER_BYTES,
        connection_limit=CONNECTION_LIMIT,
        channel_timeout=IDLE_SECONDS,
    )
    for listener in listeners.values():  # one per address listened on, none has a client yet
        listener.channel_class = BoundedChannel
        # Channels are opened and closed in the server's one loop thread: a plain Counter.
        listener.kiosk_per_address = None if app.config.get("BEHIND_PROXY") else Counter()
    return server


def refuse_chunked(app: Any) -> Any:
    """A WSGI layer answering 411 to a chunked request body before anything reads it.

    cheroot (``--https``) hands the body to the app unread and reads a chunk-size line to its
    end, however long; no browser sends a form or an upload chunked.
    """

    def guarded(environ: dict[str, Any], start_response: Any) -> Any:
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            start_response(
                "411 Length Required", [("Content-Type", "text/plain"), ("Connection", "close")]
            )
            return [b"A request body needs a Content-Length.\n"]
        return app(environ, start_response)

    return guarded


def bound_cheroot(server: Any, app: Any) -> None:
    """The same bounds on a cheroot server (``--https``) as on waitress."""
    server.max_request_body_size = app.config["MAX_CONTENT_LENGTH"]
    server.max_request_header_size = MAX_HEADER_BYTES
    # cheroot's own socket timeout (10 s) already closes a connection that sends nothing.
