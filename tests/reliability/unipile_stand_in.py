"""A Unipile stand-in on raw loopback sockets that answers each profile lookup in a chosen way, good or bad.

Raw sockets, not http.server: a reset, a body dripped byte by byte, a declared 50 MB body or a
status line that never comes can only be staged below HTTP. Every connection gets its own thread;
every wait ends when the stand-in is closed, so no thread outlives the test that started it.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

PROFILE_PATH = "/api/v1/users/"
RETRY_AFTER_SECONDS = 30
HUGE_BODY_BYTES = 50 * 1024 * 1024
NESTING_DEPTH = 100_000
# A slow answer comes this long after the request: past any deadline the tests configure.
SLOW_SECONDS = 5.0
DRIP_INTERVAL_SECONDS = 0.2


class UnipileStandIn:
    """Listens on `host`, on a free port; `choose(identifier)` names how each lookup is answered:
    `healthy`, or one of the faults below (`slow`, `reset`, `rate_limited`, ...: an `_answer_<name>` method).

    `lookups` lists the identifiers it was asked about, in order; `accepted` counts connections.
    `redirect_to` is where the `redirect` behaviour points; `rate_limited` asks to wait
    `retry_after_seconds`.
    """

    def __init__(
        self,
        choose: Callable[[str], str] = lambda _identifier: "healthy",
        *,
        host: str = "127.0.0.1",
        redirect_to: str = "http://127.0.0.2:9/",
        retry_after_seconds: int = RETRY_AFTER_SECONDS,
    ) -> None:
        self.choose = choose
        self.redirect_to = redirect_to
        self.retry_after_seconds = retry_after_seconds
        self.lookups: list[str] = []
        self.accepted = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._listener = socket.create_server((host, 0), backlog=128)
        self._listener.settimeout(0.05)  # lets the accept loop notice `_stopped`
        self.url = f"http://{host}:{self._listener.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def lookup_count(self) -> int:
        with self._lock:
            return len(self.lookups)

    def _accept_loop(self) -> None:
        with self._listener:
            while not self._stopped.is_set():
                try:
                    connection, _ = self._listener.accept()
                except TimeoutError:
                    continue
                with self._lock:
                    self.accepted += 1
                threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        # Short socket timeouts let every wait notice that the stand-in closed.
        connection.settimeout(0.2)
        with connection:
            try:
                while not self._stopped.is_set():
                    head = _read_head(connection, self._stopped)
                    if not head:
                        return
                    identifier = _identifier_of(head)
                    with self._lock:
                        self.lookups.append(identifier)
                    behaviour = self.choose(identifier)
                    if not getattr(self, f"_answer_{behaviour}")(connection, identifier):
                        return
            except OSError:
                pass  # the client hung up, which the service does on purpose at its deadline

    # Each answer returns True when the connection may carry another request.

    def _answer_healthy(self, connection: socket.socket, identifier: str) -> bool:
        connection.sendall(_json_answer("200 OK", profile_for(identifier)))
        return True

    def _answer_slow(self, connection: socket.socket, identifier: str) -> bool:
        if self._stopped.wait(SLOW_SECONDS):
            return False
        connection.sendall(_json_answer("200 OK", profile_for(identifier)))
        return False

    def _answer_drip(self, connection: socket.socket, identifier: str) -> bool:
        body = json.dumps(profile_for(identifier)).encode()
        connection.sendall(_head("200 OK", len(body)))
        for byte in body:
            if self._stopped.wait(DRIP_INTERVAL_SECONDS):
                return False
            connection.sendall(bytes([byte]))
        return False

    def _answer_open_after_body(self, connection: socket.socket, identifier: str) -> bool:
        # No Content-Length: the body ends only when the connection does, and it never does.
        body = json.dumps(profile_for(identifier)).encode()
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + body)
        self._stopped.wait(SLOW_SECONDS)
        return False

    def _answer_not_http(self, connection: socket.socket, _identifier: str) -> bool:
        connection.sendall(b"HELLO\r\n\r\n")
        return False

    def _answer_reset(self, connection: socket.socket, _identifier: str) -> bool:
        # SO_LINGER 0: close() sends RST instead of FIN.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False

    def _answer_hang_up(self, _connection: socket.socket, _identifier: str) -> bool:
        return False  # closed without a status line

    def _answer_redirect(self, connection: socket.socket, identifier: str) -> bool:
        location = f"{self.redirect_to.rstrip('/')}{PROFILE_PATH}{identifier}"
        connection.sendall(_head("302 Found", 0, extra=f"Location: {location}\r\n"))
        return True

    def _answer_huge(self, connection: socket.socket, _identifier: str) -> bool:
        # Patient writes: a service slow to read must still meet the body cap, not a short body.
        connection.settimeout(5.0)
        connection.sendall(_head("200 OK", HUGE_BODY_BYTES))
        chunk = b" " * 65536
        for _ in range(HUGE_BODY_BYTES // len(chunk)):
            if self._stopped.is_set():
                return False
            connection.sendall(chunk)  # fails once the service stops reading and hangs up
        return False

    def _answer_nested(self, connection: socket.socket, _identifier: str) -> bool:
        body = b"[" * NESTING_DEPTH
        connection.sendall(_head("200 OK", len(body)) + body)
        return True

    def _answer_html(self, connection: socket.socket, _identifier: str) -> bool:
        body = b"<html><body>Sign in to LinkedIn</body></html>"
        connection.sendall(_head("200 OK", len(body), content_type="text/html; charset=utf-8") + body)
        return True

    def _answer_garbage(self, connection: socket.socket, _identifier: str) -> bool:
        body = b'{"object": "UserProfile", "network_dist\x00\xff'
        connection.sendall(_head("200 OK", len(body)) + body)
        return True

    def _answer_key_named_twice(self, connection: socket.socket, identifier: str) -> bool:
        # Read last-wins, the second distance would be the answer.
        body = json.dumps(profile_for(identifier))[:-1] + ', "network_distance": "FIRST_DEGREE"}'
        connection.sendall(_head("200 OK", len(body)) + body.encode())
        return True

    def _answer_another_member(self, connection: socket.socket, identifier: str) -> bool:
        # Both ids name someone else: reported of Unipile under concurrency, and never our answer.
        profile = profile_for(identifier) | {"provider_id": "ACoAAsomeoneelse", "public_identifier": "someone-else"}
        connection.sendall(_json_answer("200 OK", profile))
        return True

    def _answer_other_spelling(self, connection: socket.socket, identifier: str) -> bool:
        # The same member, the slug spelled in capitals and percent-encoded.
        spelled = "".join(f"%{ord(char):02X}" if char == "-" else char.upper() for char in identifier)
        connection.sendall(_json_answer("200 OK", profile_for(identifier) | {"public_identifier": spelled}))
        return True

    def _answer_unknown_distance(self, connection: socket.socket, identifier: str) -> bool:
        profile = profile_for(identifier) | {"network_distance": "FOURTH_DEGREE"}
        connection.sendall(_json_answer("200 OK", profile))
        return True

    def _answer_unavailable(self, connection: socket.socket, _identifier: str) -> bool:
        connection.sendall(_json_answer("503 Service Unavailable", {"status": 503, "type": "errors/unavailable"}))
        return True

    def _answer_server_error(self, connection: socket.socket, _identifier: str) -> bool:
        connection.sendall(_json_answer("500 Internal Server Error", {"status": 500, "type": "errors/unexpected_error"}))
        return True

    def _answer_rate_limited(self, connection: socket.socket, _identifier: str) -> bool:
        connection.sendall(
            _json_answer(
                "429 Too Many Requests",
                {"status": 429, "type": "errors/too_many_requests"},
                extra=f"Retry-After: {self.retry_after_seconds}\r\n",
            )
        )
        return True

    def _answer_rate_limited_no_retry_after(self, connection: socket.socket, _identifier: str) -> bool:
        connection.sendall(_json_answer("429 Too Many Requests", {"status": 429, "type": "errors/too_many_requests"}))
        return True

    def _answer_disconnected(self, connection: socket.socket, _identifier: str) -> bool:
        connection.sendall(
            _json_answer(
                "401 Unauthorized",
                {"status": 401, "type": "errors/disconnected_account", "title": "Disconnected account"},
            )
        )
        return True


def profile_for(identifier: str) -> dict:
    """A healthy UserProfile; words in the identifier pick the relationship, as the sandbox does."""
    distance = "OUT_OF_NETWORK"
    for word, named in (("first", "FIRST_DEGREE"), ("second", "SECOND_DEGREE"), ("third", "THIRD_DEGREE")):
        if word in identifier:
            distance = named
    profile = {"object": "UserProfile", "provider": "LINKEDIN", "provider_id": "ACoAAstandin",
               "public_identifier": identifier, "network_distance": distance}
    if "invited" in identifier:
        profile["invitation"] = {"type": "SENT", "status": "PENDING"}
    return profile


def _read_head(connection: socket.socket, stopped: threading.Event) -> bytes:
    """One request's head (a GET has no body), or b"" once the client hangs up or the stand-in closes.

    An idle keep-alive connection is kept for as long as the client keeps it: closing it on our
    side could race with the client's next request, a failure no real server would stage.
    """
    head = b""
    while b"\r\n\r\n" not in head:
        if stopped.is_set():
            return b""
        try:
            data = connection.recv(4096)
        except TimeoutError:
            continue
        if not data or len(head) > 65536:
            return b""
        head += data
    return head


def _identifier_of(head: bytes) -> str:
    target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
    path = urlsplit(target).path
    return unquote(path.removeprefix(PROFILE_PATH)) if path.startswith(PROFILE_PATH) else path


def _head(status: str, content_length: int, *, content_type: str = "application/json", extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {content_length}\r\n{extra}\r\n"
    ).encode()


def _json_answer(status: str, document: dict, *, extra: str = "") -> bytes:
    body = json.dumps(document).encode()
    return _head(status, len(body), extra=extra) + body
