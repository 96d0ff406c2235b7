"""Unipile's v1 API transport: one request function for every resource.

Every call has one deadline, kept by a watchdog thread, with the host's name looked up within it;
retries are deadline-aware; redirects are never followed; bodies are capped; Unipile's error
answers become the domain's failure codes. Each resource parses its own documents in the module
of the port it serves.
"""

import heapq
import http.client
import http.cookiejar
import ipaddress
import itertools
import logging
import math
import os
import queue
import random as random_module
import re
import socket
import threading
import time
from concurrent.futures import Future
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from requests.hooks import default_hooks
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import Timeout

from domain import strict_json
from domain.errors import ProviderFailure, ProviderFailureCode

logger = logging.getLogger(__name__)

_READ_SIZE = 65536
_RETRY_BACKOFF_SECONDS = 0.2
# Unipile's own gateway trouble; a 500 comes from LinkedIn, and retrying it only adds to the
# account's load there.
_RETRYABLE_STATUSES = frozenset({502, 503, 504})
_MIN_RETRY_AFTER_SECONDS = 1
_MAX_RETRY_AFTER_SECONDS = 86_400
# Only this shape reaches a log line: the rest of an error body is the server's free text.
_ERROR_TYPE = re.compile(r"errors/[a-z0-9_]{1,64}")

_INVALID_API_KEY = "errors/missing_credentials"
# The LinkedIn session behind the account is dead or blocked: only its owner can reconnect it.
_RECONNECT_ERRORS = frozenset(
    {
        "errors/disconnected_account",
        "errors/expired_credentials",
        "errors/invalid_credentials",
        "errors/checkpoint_error",
        "errors/multiple_sessions",
        "errors/disconnected_feature",
        "errors/account_restricted",
        "errors/action_required",
        "errors/unknown_authentication_context",
    }
)
# Unipile answers a missing or locked profile with these 422s more often than with a 404.
_UNKNOWN_PROFILE_ERRORS = frozenset({"errors/invalid_recipient", "errors/user_unreachable"})


def unipile_base_url(dsn: str) -> str:
    """`https://host:port` from a DSN as the dashboard shows it (`api8.unipile.com:13851`) or a URL.

    Raises ValueError saying what is wrong; the message never repeats the DSN, which could hold
    credentials.
    """
    text = dsn.strip()
    if not text:
        raise ValueError("The Unipile DSN is empty.")
    if any(char.isspace() or not char.isprintable() for char in text):
        raise ValueError("The Unipile DSN contains spaces or control characters.")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        parts.port  # raises ValueError unless the port is a number from 0 to 65535
    except ValueError as exc:
        raise ValueError("The Unipile DSN has an invalid host or port.") from exc
    if parts.scheme.lower() not in ("https", "http"):
        raise ValueError("The Unipile DSN must be host:port or an https:// (or http://) URL.")
    if "@" in parts.netloc:
        raise ValueError("The Unipile DSN must not carry credentials; the API key is configured apart.")
    if not parts.hostname:
        raise ValueError("The Unipile DSN names no host.")
    if parts.path not in ("", "/"):
        raise ValueError("The Unipile DSN must not have a path; the service adds /api/v1 itself.")
    if "?" in text or "#" in text:
        raise ValueError("The Unipile DSN must not have a query string or a fragment.")
    try:
        # As requests sends it: a host that is not ASCII in its IDNA form.
        origin = requests.Request("GET", f"{parts.scheme.lower()}://{parts.netloc.lower()}").prepare().url
    except requests.RequestException as exc:
        raise ValueError("The Unipile DSN has an invalid host or port.") from exc
    return origin.rstrip("/")


class _Attempt:
    """One attempt in flight: the watchdog cuts its connection if it is still running at `cut_at`."""

    __slots__ = ("cut_at", "connection", "handle", "cut", "finished")

    def __init__(self, cut_at: float) -> None:
        self.cut_at = cut_at
        self.connection: HTTPConnection | None = None
        # A duplicate of the connection's socket descriptor, owned by the attempt: shutting it down
        # ends the TLS handshake and every read alike, and it never outlives the attempt, so the
        # watchdog can never reach a socket some other call has taken over.
        self.handle: socket.socket | None = None
        self.cut = False
        self.finished = False


class _Watchdog:
    """One thread per process that cuts the connection of every attempt still running at its deadline.

    A socket timeout bounds each read only, and restarts with every byte a server drips; shutting
    the socket down makes the read blocked on it return at once.
    """

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # the thread does not survive a fork

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._due_changed = threading.Condition(self._lock)
        self._due: list[tuple[float, int, _Attempt]] = []
        self._order = itertools.count()
        self._wakes_at = math.inf
        self._thread: threading.Thread | None = None
        self._current = threading.local()

    def begin(self, seconds: float) -> _Attempt:
        """Watches the calling thread's next attempt, to be cut `seconds` from now."""
        attempt = _Attempt(time.monotonic() + seconds)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="unipile-deadline", daemon=True)
                self._thread.start()
            heapq.heappush(self._due, (attempt.cut_at, next(self._order), attempt))
            if attempt.cut_at < self._wakes_at:  # else the thread wakes in time anyway
                self._due_changed.notify()
        self._current.attempt = attempt
        return attempt

    def end(self, attempt: _Attempt) -> None:
        self._current.attempt = None
        with self._lock:
            attempt.finished = True
            handle, attempt.handle, attempt.connection = attempt.handle, None, None
            # Deadlines mostly end in the order they began: dropping the finished ones from the
            # top keeps the heap small and the thread asleep.
            while self._due and self._due[0][2].finished:
                heapq.heappop(self._due)
        if handle is not None:
            handle.close()

    def cut_short(self) -> bool:
        """Whether the watchdog cut the calling thread's attempt.

        Once cut, the socket reads as closed: a head, or a body without a length, seems to end
        there, and only this says the end was the deadline's.
        """
        attempt = getattr(self._current, "attempt", None)
        return attempt is not None and attempt.cut

    def seconds_left(self) -> float | None:
        """What remains of the calling thread's attempt (negative once it is due); None outside one."""
        attempt = getattr(self._current, "attempt", None)
        return None if attempt is None else attempt.cut_at - time.monotonic()

    def watch(self, connection: HTTPConnection, sock: Any) -> None:
        """Lets the calling thread's attempt cut `sock`, the socket `connection` is about to use.

        Once per attempt and connection: a connection connects at most once within an attempt.
        """
        attempt = getattr(self._current, "attempt", None)
        if attempt is None or attempt.connection is connection:
            return
        try:
            handle = socket.socket(fileno=os.dup(sock.fileno()))
        except OSError:
            return  # closed already: the attempt fails on its own
        with self._lock:
            stale, attempt.handle, attempt.connection = attempt.handle, handle, connection
            if attempt.cut:  # the deadline passed while connecting
                _shut_down(handle)
        if stale is not None:
            stale.close()

    def release(self, connection: HTTPConnection) -> bool:
        """Takes `connection` from the attempt that used it; True when the watchdog cut it."""
        attempt = getattr(self._current, "attempt", None)
        if attempt is None or attempt.connection is not connection:
            return False
        with self._lock:
            handle, attempt.handle, attempt.connection = attempt.handle, None, None
            cut = attempt.cut
        if handle is not None:
            handle.close()
        return cut

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                while self._due and self._due[0][0] <= now:
                    attempt = heapq.heappop(self._due)[2]
                    if not attempt.finished:
                        attempt.cut = True
                        if attempt.handle is not None:
                            _shut_down(attempt.handle)
                self._wakes_at = self._due[0][0] if self._due else math.inf
                self._due_changed.wait(self._wakes_at - now if self._due else None)


def _shut_down(handle: socket.socket) -> None:
    try:
        handle.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the peer closed it already


_WATCHDOG = _Watchdog()


class _Resolver:
    """A few threads per process that look names up, so that a caller waits no longer than it may.

    getaddrinfo takes no timeout, and the system resolver's (timeout x attempts x nameservers) can
    outlast the worker. A lookup whose caller gave up keeps its thread until the resolver answers;
    a caller queued behind such lookups still waits only its own time. Daemon threads, unlike a
    ThreadPoolExecutor's: a hung lookup must not hold up the worker's exit.
    """

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # the threads do not survive a fork

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._lookups: queue.SimpleQueue[tuple[Future[list[str]], str, int]] = queue.SimpleQueue()
        self._started = False

    def addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        """The addresses `host` resolves to, in the resolver's order, each once.

        Raises socket.gaierror, or TimeoutError when no answer came within `timeout` seconds.
        """
        with self._lock:
            if not self._started:
                for number in range(self._threads):
                    threading.Thread(target=self._run, name=f"unipile-resolve-{number}", daemon=True).start()
                self._started = True
        lookup: Future[list[str]] = Future()
        self._lookups.put((lookup, host, port))
        try:
            return lookup.result(timeout)
        except TimeoutError:
            lookup.cancel()  # if still queued, no thread need look it up
            raise

    def _run(self) -> None:
        while True:
            lookup, host, port = self._lookups.get()
            if not lookup.set_running_or_notify_cancel():
                continue
            try:
                found = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
            except Exception as exc:
                lookup.set_exception(exc)
            else:
                lookup.set_result(list(dict.fromkeys(str(address[4][0]) for address in found)))


_RESOLVER = _Resolver(threads=4)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class _WatchedHTTPConnection(HTTPConnection):
    """Shows the watchdog each socket it connects or reuses, before any byte is awaited on it.

    A name is looked up by the resolver's threads and each of its addresses tried in turn, all
    within what remains of the attempt: urllib3 would wait for the system resolver, then give every
    address the whole connect timeout.
    """

    def _new_conn(self) -> socket.socket:
        name = self._dns_host
        if _is_ip_address(name):
            sock = super()._new_conn()
        else:
            sock = self._connect_to_any(self._addresses_of(name))
        _WATCHDOG.watch(self, sock)
        return sock

    def _addresses_of(self, name: str) -> list[str]:
        try:
            return _RESOLVER.addresses(name, self.port, self._seconds_left())
        except TimeoutError as exc:
            raise urllib3.exceptions.ConnectTimeoutError(
                self, f"Looking up {self.host} timed out."
            ) from exc
        except socket.gaierror as exc:
            raise urllib3.exceptions.NameResolutionError(self.host, self, exc) from exc

    def _connect_to_any(self, addresses: list[str]) -> socket.socket:
        """A socket connected to the first of `addresses` that accepts.

        The name stays in `_dns_host` but while connecting: TLS (SNI and the certificate check)
        and the Host header read it afterwards.
        """
        name, connect_timeout = self._dns_host, self.timeout
        failure: urllib3.exceptions.ConnectTimeoutError | None = None
        try:
            for address in addresses:
                seconds_left = self._seconds_left()
                if seconds_left is not None and seconds_left <= 0:
                    raise urllib3.exceptions.ConnectTimeoutError(
                        self, f"Connecting to {name} timed out."
                    ) from failure
                self._dns_host, self.timeout = address, seconds_left
                try:
                    return super()._new_conn()
                except urllib3.exceptions.ConnectTimeoutError as exc:  # NewConnectionError too
                    failure = exc
            raise failure or urllib3.exceptions.NewConnectionError(self, f"{name} has no address")
        finally:
            self._dns_host, self.timeout = name, connect_timeout

    def _seconds_left(self) -> float | None:
        """What remains of the calling thread's attempt; outside one, the connect timeout."""
        seconds_left = _WATCHDOG.seconds_left()
        return Timeout.resolve_default_timeout(self.timeout) if seconds_left is None else seconds_left

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # connected already: from the pool, or over TLS just now
            _WATCHDOG.watch(self, self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection

    def _put_conn(self, conn: Any) -> None:
        if conn is not None and _WATCHDOG.release(conn):
            conn.close()  # its socket is shut down: never let another call pick it up
        super()._put_conn(conn)


class _WatchedHTTPSConnectionPool(_WatchedHTTPConnectionPool, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOL_CLASSES = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


class _WatchedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections the watchdog can cut, direct or through an HTTP proxy."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOL_CLASSES

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        # SOCKS pools bring their own connection classes; through them only socket timeouts apply.
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _WATCHED_POOL_CLASSES
        return manager


class _NoRedirectSession(requests.Session):
    """A Session that never looks for a next request after a redirect.

    Even with allow_redirects=False, Session.send reads a redirect's whole body to prepare the
    request it would send next; a huge or dripped one held the call until the deadline. The
    answer is refused as it is, its body read within the cap.
    """

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None


class _RetryableFailure(Exception):
    """An attempt failed in a way another attempt may fix; `failure` is raised when none is left."""

    def __init__(self, failure: ProviderFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


class UnipileClient:
    """GETs Unipile's JSON documents for the resources, on one pooled session.

    `timeout_seconds` bounds the whole call: the host's name lookup, connecting, every read and
    every retry. Socket timeouts restart with every byte, so past the deadline the watchdog shuts
    the attempt's socket down, ending a dripped status line, header or body there, as a timeout:
    what it cut is never read as a whole answer. Name lookups and TCP handshakes are beyond its
    reach and bounded apart: a lookup runs on the resolver's threads and is waited for no longer
    than the attempt has left, and each address tried gets only what is left for its handshake.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_seconds: float = 10.0,
        pool_size: int = 10,
        max_body_bytes: int = 1_048_576,
        retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = random_module.random,
    ) -> None:
        if not api_key or api_key != api_key.strip() or not api_key.isprintable():
            raise ValueError("The Unipile API key is empty or has spaces or control characters.")
        if timeout_seconds <= 0 or pool_size < 1 or max_body_bytes < 1 or retries < 0:
            raise ValueError(
                "Unipile timeout, pool size and body cap must be positive; retries not negative."
            )
        self._base_url = unipile_base_url(base_url)
        self._timeout_seconds = timeout_seconds
        self._max_body_bytes = max_body_bytes
        self._retries = retries
        self._sleep = sleep
        self._clock = clock
        self._random = random
        self._session = _NoRedirectSession()
        # No urllib3 Retry: retries are ours, deadline-aware and never on 429.
        adapter = _WatchedAdapter(pool_connections=1, pool_maxsize=pool_size)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        # Checks for every workspace share this session: no cookie may carry from one to the next.
        self._session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        # The proxy and CA bundle are read from the environment once, here, for the one host every
        # call goes to: re-reading them per call cost a quarter of a call's CPU. No netrc lookup
        # either: the X-API-KEY header authenticates, and a netrc Authorization header must not join it.
        self._session.proxies = requests.utils.get_environ_proxies(self._base_url)
        self._session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._session.trust_env = False
        self._session.headers.update({"X-API-KEY": api_key, "accept": "application/json"})
        # Prepared as Session.get prepares a call, the session's headers merged in (after trust_env
        # is off: no netrc). Each call copies it and sets its URL (see _prepared_get).
        self._prepared_base = self._session.prepare_request(requests.Request("GET", self._base_url))

    def close(self) -> None:
        self._session.close()

    def get_json(self, path: str, params: dict[str, str], *, max_body_bytes: int | None = None) -> bytes:
        """The body of a 200 JSON answer to `GET {base}{path}`, retries included, within one deadline.

        `path` is already percent-encoded; `max_body_bytes` replaces the client's cap for a resource
        whose answers are larger. Raises ProviderFailure, with its code.
        """
        body_cap = self._max_body_bytes if max_body_bytes is None else max_body_bytes
        # Encoded as requests encodes a dict of text `params`: quote_plus, UTF-8.
        url = f"{self._base_url}{path}"
        url = f"{url}?{urlencode(params)}" if params else url
        deadline = self._clock() + self._timeout_seconds
        attempt = 0
        while True:
            try:
                return self._attempt(url, deadline, body_cap)
            except _RetryableFailure as retryable:
                # Full jitter keeps many workers from retrying in step.
                delay = self._random() * _RETRY_BACKOFF_SECONDS * 2**attempt
                if attempt >= self._retries or self._clock() + delay >= deadline:
                    raise retryable.failure from retryable.__cause__
                logger.info(
                    "Unipile attempt %d failed (%s); retrying in %.2f s", attempt + 1, retryable, delay
                )
                self._sleep(delay)
                attempt += 1

    def _attempt(self, url: str, deadline: float, body_cap: int) -> bytes:
        remaining = self._remaining(deadline)
        watched = _WATCHDOG.begin(remaining)
        try:
            return self._watched_attempt(url, deadline, remaining, body_cap)
        finally:
            _WATCHDOG.end(watched)

    def _watched_attempt(self, url: str, deadline: float, remaining: float, body_cap: int) -> bytes:
        try:
            response = self._session.send(
                self._prepared_get(url),
                timeout=(remaining, remaining),
                # A followed redirect would carry X-API-KEY to wherever it points.
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            raise self._request_failure(exc) from exc
        with response:
            if _WATCHDOG.cut_short():  # the head may seem complete only because the cut ended it
                raise ProviderFailure(ProviderFailureCode.TIMEOUT, "answer's head not read before the deadline")
            status = response.status_code
            if status in _RETRYABLE_STATUSES:
                raise _RetryableFailure(
                    ProviderFailure(ProviderFailureCode.ERROR, f"Unipile answered HTTP {status}")
                )
            if status != 200:
                raise _failure_for_status(status, response.headers, self._error_body(response, deadline))
            if not _is_json(response.headers.get("Content-Type", "")):
                raise ProviderFailure(
                    ProviderFailureCode.ERROR, "Unipile answered 200 with a body that is not JSON"
                )
            return self._read_body(response, deadline, body_cap)

    def _prepared_get(self, url: str) -> requests.PreparedRequest:
        """A copy of the GET prepared at start-up, for `url` (already percent-encoded).

        Preparing each call anew parsed and requoted its URL and validated its headers again:
        0.12 ms of CPU a call, a tenth of it for the copy. The headers and the base URL were
        validated once; the session stores no cookies; a GET has no body.
        """
        prepared = self._prepared_base.copy()
        prepared.url = url
        prepared.hooks = default_hooks()  # copy() shares the hooks' lists
        return prepared

    def _request_failure(self, exc: requests.RequestException) -> Exception:
        # These exceptions' texts hold the URL, so the profile identifier: details name the class only.
        name = type(exc).__name__
        # Once the watchdog cut the connection, whatever broke broke because time ran out, and no
        # retry could be made.
        if isinstance(exc, requests.Timeout) or _WATCHDOG.cut_short() or _timed_out(exc):
            return ProviderFailure(ProviderFailureCode.TIMEOUT, f"no answer before the deadline ({name})")
        if isinstance(exc, requests.exceptions.SSLError):
            return ProviderFailure(ProviderFailureCode.UNREACHABLE, "TLS with Unipile failed")
        if _is_not_http(exc):
            # The server answered, but not in HTTP: the request reached it, so it is not sent again.
            return ProviderFailure(ProviderFailureCode.ERROR, f"answer is not HTTP ({name})")
        if isinstance(exc, requests.ConnectionError):
            return _RetryableFailure(ProviderFailure(ProviderFailureCode.UNREACHABLE, f"cannot connect ({name})"))
        return ProviderFailure(ProviderFailureCode.ERROR, f"request failed ({name})")

    def _read_body(self, response: requests.Response, deadline: float, body_cap: int) -> bytes:
        """The body, read as it arrives, so that a slow or huge one ends at the deadline or the cap."""
        body = bytearray()
        while True:
            self._remaining(deadline)
            try:
                chunk = response.raw.read1(_READ_SIZE, decode_content=True)
            except urllib3.exceptions.HTTPError as exc:
                raise self._read_failure(exc) from exc
            if not chunk:
                if _WATCHDOG.cut_short():  # a body without a length seems to end where it was cut
                    raise ProviderFailure(ProviderFailureCode.TIMEOUT, "answer not read before the deadline")
                return bytes(body)
            body += chunk
            if len(body) > body_cap:
                raise ProviderFailure(ProviderFailureCode.ERROR, f"answer larger than {body_cap} bytes")

    def _read_failure(self, exc: urllib3.exceptions.HTTPError) -> ProviderFailure:
        name = type(exc).__name__
        if isinstance(exc, urllib3.exceptions.ReadTimeoutError) or _WATCHDOG.cut_short():
            return ProviderFailure(ProviderFailureCode.TIMEOUT, f"answer not read before the deadline ({name})")
        if isinstance(exc, (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError)):
            # The transport failed, not Unipile's answer: the same code as failing to connect.
            return ProviderFailure(ProviderFailureCode.UNREACHABLE, f"connection broke mid-answer ({name})")
        return ProviderFailure(ProviderFailureCode.ERROR, f"unreadable answer ({name})")

    def _error_body(self, response: requests.Response, deadline: float) -> bytes:
        # An error body only refines the status; the status still classifies the answer without it.
        try:
            return self._read_body(response, deadline, self._max_body_bytes)
        except ProviderFailure:
            return b""

    def _remaining(self, deadline: float) -> float:
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise ProviderFailure(
                ProviderFailureCode.TIMEOUT, f"no complete answer within {self._timeout_seconds} s"
            )
        return remaining


def _failure_for_status(status: int, headers: Mapping[str, str], body: bytes) -> ProviderFailure:
    error_type = _error_type(body)
    answer = f"Unipile answered HTTP {status}" + (f" {error_type}" if error_type else "")
    if status == 429:
        return ProviderFailure(
            ProviderFailureCode.RATE_LIMITED,
            answer,
            retry_after=_retry_after_seconds(headers.get("Retry-After")),
        )
    if error_type == _INVALID_API_KEY:
        return ProviderFailure(ProviderFailureCode.AUTH_FAILED, answer)
    if error_type in _RECONNECT_ERRORS:
        return ProviderFailure(ProviderFailureCode.ACCOUNT_DISCONNECTED, answer)
    if status == 404 or error_type in _UNKNOWN_PROFILE_ERRORS:
        return ProviderFailure(ProviderFailureCode.PROFILE_NOT_FOUND, answer)
    if 300 <= status < 400:
        return ProviderFailure(ProviderFailureCode.ERROR, f"{answer}; redirects are not followed")
    return ProviderFailure(ProviderFailureCode.ERROR, answer)


def _error_type(body: bytes) -> str | None:
    """The `type` of a Unipile error body (`errors/<code>`), or None when the body is anything else,
    one naming `type` twice included."""
    try:
        document = strict_json.loads(body)
    except (ValueError, RecursionError):
        return None
    error_type = document.get("type") if isinstance(document, dict) else None
    if isinstance(error_type, str) and _ERROR_TYPE.fullmatch(error_type):
        return error_type
    return None


def _retry_after_seconds(value: str | None) -> int | None:
    """Retry-After (delta-seconds or an HTTP-date) in whole seconds, clamped to a sane range."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        # More digits than this is beyond the clamp anyway, and int() of huge strings is slow.
        seconds = int(text) if len(text) <= 9 else _MAX_RETRY_AFTER_SECONDS
    else:
        try:
            moment = parsedate_to_datetime(text)
        # The header is the server's free text: a date the parser cannot take (a year past 9999
        # raises ValueError, one past a C long OverflowError) is no hint, never a failed check.
        except Exception:
            return None
        if moment.tzinfo is None:  # "-0000" parses naive; HTTP dates are always GMT
            moment = moment.replace(tzinfo=timezone.utc)
        seconds = math.ceil((moment - datetime.now(timezone.utc)).total_seconds())
    return min(max(seconds, _MIN_RETRY_AFTER_SECONDS), _MAX_RETRY_AFTER_SECONDS)


def _is_not_http(exc: BaseException) -> bool:
    """Whether `exc` comes of a status line or headers http.client refused (`HELLO`, 5,000 headers).

    Not of a connection closed before any answer (`RemoteDisconnected`): that is the network's.
    """
    return _caused_by(
        exc, lambda cause: isinstance(cause, http.client.HTTPException) and not isinstance(cause, ConnectionError)
    )


def _timed_out(exc: BaseException) -> bool:
    """Whether a socket or name-lookup timeout is behind `exc`: each gets only what the attempt has
    left, so it is the deadline's. Through a proxy, requests reports it as a ProxyError."""
    return _caused_by(
        exc,
        # urllib3 files a refused or unresolvable connection under ConnectTimeoutError too.
        lambda cause: isinstance(cause, urllib3.exceptions.TimeoutError)
        and not isinstance(cause, urllib3.exceptions.NewConnectionError),
    )


def _caused_by(exc: BaseException, matches: Callable[[BaseException], bool]) -> bool:
    seen: set[int] = set()
    causes = [exc]
    while causes:
        cause = causes.pop()
        if id(cause) in seen:
            continue
        seen.add(id(cause))
        if matches(cause):
            return True
        # urllib3 and requests pass the exception they wrap as an argument, not always as a cause.
        causes.extend(arg for arg in cause.args if isinstance(arg, BaseException))
        causes.extend(link for link in (cause.__cause__, cause.__context__) if link is not None)
    return False


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def document_of(body: bytes, object_type: str) -> dict[str, Any]:
    """The JSON object of the `object` type Unipile was asked for; anything else, a document naming
    a key twice included, is a provider error."""
    try:
        document = strict_json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ProviderFailure(
            ProviderFailureCode.ERROR, f"Unipile answered unparsable JSON ({type(exc).__name__})"
        ) from exc
    if not isinstance(document, dict) or document.get("object") != object_type:
        raise ProviderFailure(
            ProviderFailureCode.ERROR, f"Unipile answered something other than a {object_type}"
        )
    return document
