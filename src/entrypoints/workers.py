"""The gunicorn worker `make serve` runs: gthread, holding no more connections than it has threads.

It also gives each request a bounded time to arrive, stops listening as soon as it starts
stopping, and ends the master when it cannot boot.
"""

from __future__ import annotations

import errno
import select
import sys
import time
from typing import Any

from gunicorn.arbiter import Arbiter
from gunicorn.http.errors import NoMoreData
from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker

# How long a full worker lets a new connection wait in the backlog before it closes one of its
# own after an answer to make room.
MAKE_ROOM_AFTER_SECONDS = 0.25

# How long a client has to send a request's head and body, from the first byte read of it. A
# thread reads them, so without a bound as many stalled clients as threads freeze the worker,
# /livez included. Time the application spends elsewhere (waiting on the provider) is not bounded.
REQUEST_READ_SECONDS = 5.0


class RequestReadTimeout(NoMoreData):
    """A client did not send its request's head and body within REQUEST_READ_SECONDS.

    A NoMoreData, so gunicorn closes the connection as after a client's disconnection, and the
    application reading a body sees a disconnected client (Werkzeug answers 400).
    """

    def __str__(self) -> str:
        return f"Request not received within {REQUEST_READ_SECONDS:g} s"


class _RequestReader(SocketUnreader):
    """Reads a connection's requests, each within REQUEST_READ_SECONDS of its first read."""

    def __init__(self, sock: Any) -> None:
        super().__init__(sock)
        self._deadline: float | None = None

    def next_request(self) -> None:
        self._deadline = None

    def chunk(self, size_hint: int | None = None) -> bytes:
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now + REQUEST_READ_SECONDS
        if now >= self._deadline:
            raise RequestReadTimeout()
        prior = self.sock.gettimeout()
        # Only around the read: sending the answer to a slow reader is not bounded by it.
        self.sock.settimeout(self._deadline - now)
        try:
            return super().chunk(size_hint)
        except TimeoutError:
            raise RequestReadTimeout() from None
        finally:
            self.sock.settimeout(prior)


class _Connection(TConn):
    """A client connection whose HTTP/1 requests are read by a _RequestReader."""

    def init(self) -> None:
        super().init()
        parser = self.parser
        if type(getattr(parser, "unreader", None)) is SocketUnreader:
            parser.unreader = _RequestReader(self.sock)


class ThreadBoundWorker(ThreadWorker):
    """A gthread worker that holds at most as many connections as it has threads.

    Plain gthread lets a worker accept up to `worker_connections` (1000), and a keep-alive
    connection stays with whichever worker accepted it. With 32 clients and two 16-thread workers,
    splits such as 28/4 were common: requests queued for a thread in one worker while the other's
    threads sat idle, and p99 reached three times the provider's latency (docs/benchmarks.md).
    Bounded by its threads, a full worker leaves new connections in the listen backlog for a worker
    with room. So that a client waiting there is not starved by busy keep-alive connections, a full
    worker that has seen a connection wait for a while closes one of its own after its answer.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.worker_connections = self.cfg.threads
        self._waiting_seen_at: float | None = None

    def load_wsgi(self) -> None:
        # The application refuses a bad setting with SystemExit and a one-line reason. gunicorn
        # passes SystemExit through with its code, and the master would replace the worker, which
        # fails again, forever; the boot-error code makes the master stop instead.
        try:
            super().load_wsgi()
        except SystemExit as refusal:
            if refusal.code not in (None, 0):
                self.log.error("%s", refusal.code)
            sys.exit(Arbiter.WORKER_BOOT_ERROR)

    # ThreadWorker reads this before each answer: below the number of idle keep-alive connections,
    # the answer closes its connection.
    @property
    def max_keepalived(self) -> int:
        if self.nr_conns < self.worker_connections or not self._a_connection_is_waiting():
            self._waiting_seen_at = None
            return self.worker_connections
        # Only for a connection that has waited a while: one that another worker is about to take
        # (or a client's reconnection after such a close) would otherwise make every worker close
        # connection after connection, and keep-alive would be lost under load.
        now = time.monotonic()
        if self._waiting_seen_at is None:
            self._waiting_seen_at = now
            return self.worker_connections
        if now - self._waiting_seen_at < MAKE_ROOM_AFTER_SECONDS:
            return self.worker_connections
        self._waiting_seen_at = None  # one connection closed per wait
        return 0

    # As ThreadWorker.accept, with a connection whose requests are read within a deadline.
    def accept(self, listener: Any) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        client_sock.setblocking(True)
        self.enqueue_req(_Connection(self.cfg, client_sock, client_addr, listener.getsockname()))

    # Runs in a thread for each request a connection brings, a new one or a kept-alive one.
    def handle(self, conn: TConn) -> Any:
        reader = getattr(conn.parser, "unreader", None)
        if isinstance(reader, _RequestReader):
            reader.next_request()
        return super().handle(conn)

    @max_keepalived.setter
    def max_keepalived(self, _value: int) -> None:
        pass  # ThreadWorker.__init__ sets it from worker_connections; here it is derived

    # ThreadWorker stops accepting when its graceful exit starts, but keeps its listeners open
    # until the checks in flight have finished (up to the graceful timeout): the kernel would
    # meanwhile accept new connections into the backlog that nobody answers. Closed at once, a new
    # connection is refused once the master and every worker have closed theirs.
    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            for listener in self.sockets:
                listener.close()

    def _a_connection_is_waiting(self) -> bool:
        try:
            readable, _, _ = select.select(self.sockets, [], [], 0)
        except (OSError, ValueError, AttributeError):
            return False  # listeners closing or closed (gunicorn drops a closed one's socket): stopping
        return bool(readable)
