"""The Unipile adapter against real local sockets: what recorded HTTP cannot show.

Slow and broken servers, redirects, connection reuse and oversized bodies only behave truly over a
TCP connection, so each test starts a tiny server on 127.0.0.1 that misbehaves in one exact way.
"""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

import pytest

from adapters.unipile.profiles import UnipileLinkedInProvider
from adapters.unipile.transport import UnipileClient
from domain.errors import ProviderFailure, ProviderFailureCode
from domain.profile_url import ProfileIdentifier
from tests.integration.conftest import ACCOUNT, API_KEY, JANE

PROFILE = json.dumps(
    {"object": "UserProfile", "provider": "LINKEDIN", "network_distance": "FIRST_DEGREE"}
).encode()


class LocalServer:
    """A TCP server on an ephemeral 127.0.0.1 port; each connection is `handle`d on its own thread."""

    def __init__(self, handle) -> None:
        self.accepted = 0
        self.requests: list[bytes] = []
        self.stopped = threading.Event()
        self._handle = handle
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # lets the accept loop notice `stopped`
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def close(self) -> None:
        self.stopped.set()

    def read_request(self, connection: socket.socket) -> bytes:
        """One request's head (a GET has no body), or b"" once the client hangs up."""
        head = b""
        while b"\r\n\r\n" not in head:
            data = connection.recv(4096)
            if not data:
                return b""
            head += data
        self.requests.append(head)
        return head

    def _accept_loop(self) -> None:
        with self._listener:
            while not self.stopped.is_set():
                try:
                    connection, _ = self._listener.accept()
                except TimeoutError:
                    continue
                self.accepted += 1
                threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            try:
                self._handle(self, connection)
            except OSError:
                pass  # the client hung up, which several tests make it do on purpose


def response_head(content_length: int, status: str = "200 OK", extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {content_length}\r\n{extra}\r\n"
    ).encode()


@pytest.fixture
def serve():
    servers: list[LocalServer] = []

    def start(handle) -> LocalServer:
        servers.append(LocalServer(handle))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def provider_for():
    clients: list[UnipileClient] = []

    def build(server_url: str, **options) -> UnipileLinkedInProvider:
        clients.append(UnipileClient(server_url, API_KEY, random=lambda: 0.0, **options))
        return UnipileLinkedInProvider(clients[-1])

    yield build
    for client in clients:
        client.close()


@pytest.fixture
def environment(monkeypatch):
    """The process environment with no proxy or CA bundle settings, for a test to set its own."""
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)
        monkeypatch.delenv(variable.lower(), raising=False)
    return monkeypatch


def answer_profile(server, connection):
    server.read_request(connection)
    connection.sendall(response_head(len(PROFILE)) + PROFILE)


def keep_alive_profiles(server, connection):
    while server.read_request(connection):
        connection.sendall(response_head(len(PROFILE)) + PROFILE)


def request_line(request: bytes) -> bytes:
    return request.split(b"\r\n")[0]


def timed_failure(provider: UnipileLinkedInProvider) -> tuple[ProviderFailure, float]:
    started = time.monotonic()
    with pytest.raises(ProviderFailure) as raised:
        provider.profile_relationship(ACCOUNT, JANE)
    return raised.value, time.monotonic() - started


def test_a_server_dripping_its_body_is_cut_at_the_deadline(serve, provider_for):
    def drip(server, connection):
        server.read_request(connection)
        connection.sendall(response_head(1000))
        for _ in range(20):  # ends on its own, so a client that ignores the deadline fails, not hangs
            connection.sendall(b" ")
            time.sleep(0.3)

    server = serve(drip)

    failure, elapsed = timed_failure(provider_for(server.url, timeout_seconds=1.0))

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert 0.9 <= elapsed < 1.5


def test_a_server_dripping_its_status_line_and_headers_is_cut_at_the_deadline(serve, provider_for):
    # Each byte restarts the socket's read timeout: only the deadline as a whole can end this.
    def drip_head(server, connection):
        server.read_request(connection)
        for byte in response_head(len(PROFILE)):  # about 8 s, so a client ignoring the deadline fails
            connection.sendall(bytes([byte]))
            time.sleep(0.1)

    server = serve(drip_head)

    failure, elapsed = timed_failure(provider_for(server.url, timeout_seconds=1.0))

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert 0.9 <= elapsed < 1.5
    assert server.accepted == 1


def test_the_deadline_also_holds_through_an_http_proxy(serve, provider_for, environment):
    def drip_head(server, connection):
        server.read_request(connection)
        for byte in response_head(len(PROFILE)):
            connection.sendall(bytes([byte]))
            time.sleep(0.1)

    proxy = serve(drip_head)
    environment.setenv("HTTP_PROXY", proxy.url)

    failure, elapsed = timed_failure(provider_for("http://api8.unipile.invalid:13851", timeout_seconds=1.0))

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert elapsed < 1.5
    assert proxy.requests[0].startswith(b"GET http://api8.unipile.invalid:13851/api/v1/users/")


# --- the environment: proxy and CA bundle are read once, when the provider is built ----------------

UNRESOLVABLE_UNIPILE = "http://api8.unipile.invalid:13851"


def test_a_proxy_named_at_start_carries_every_lookup_even_once_unset(serve, provider_for, environment):
    proxy = serve(answer_profile)
    environment.setenv("HTTP_PROXY", proxy.url)
    provider = provider_for(UNRESOLVABLE_UNIPILE)
    environment.delenv("HTTP_PROXY")

    relationship = provider.profile_relationship(ACCOUNT, JANE)

    assert relationship.network_distance == "FIRST_DEGREE"
    assert request_line(proxy.requests[0]).startswith(
        b"GET http://api8.unipile.invalid:13851/api/v1/users/jane-doe-4a1b2c3?"
    )


def test_no_proxy_naming_the_unipile_host_sends_lookups_direct(serve, provider_for, environment):
    proxy, unipile = serve(answer_profile), serve(answer_profile)
    environment.setenv("HTTP_PROXY", proxy.url)
    environment.setenv("NO_PROXY", "example.com,127.0.0.1")

    provider_for(unipile.url).profile_relationship(ACCOUNT, JANE)

    assert request_line(unipile.requests[0]).startswith(b"GET /api/v1/users/jane-doe-4a1b2c3?")
    assert proxy.accepted == 0


def test_a_proxy_named_after_start_is_not_used(serve, provider_for, environment):
    proxy, unipile = serve(answer_profile), serve(answer_profile)
    provider = provider_for(unipile.url)
    environment.setenv("HTTP_PROXY", proxy.url)

    provider.profile_relationship(ACCOUNT, JANE)

    assert len(unipile.requests) == 1
    assert proxy.accepted == 0


def make_certificate(directory, subject_alt_name: str):
    """A self-signed certificate for `subject_alt_name` (`IP:...` or `DNS:...`) and its key."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    certificate, key = directory / "unipile.pem", directory / "unipile.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={subject_alt_name.split(':', 1)[1]}",
         "-addext", f"subjectAltName={subject_alt_name}",
         "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True, timeout=30,
    )
    return certificate, key


@pytest.fixture(scope="module")
def self_signed_certificate(tmp_path_factory):
    """A certificate for 127.0.0.1 that no system CA bundle trusts, and its key."""
    return make_certificate(tmp_path_factory.mktemp("tls"), "IP:127.0.0.1")


def serve_tls(serve, certificate) -> tuple[LocalServer, list[str | None]]:
    """A Unipile stand-in answering a profile over TLS with `certificate` (and its key), and the
    server names its clients asked for (SNI)."""
    server_names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    context.sni_callback = lambda _tls, name, _context: server_names.append(name)

    def answer_profile_over_tls(server, connection):
        with context.wrap_socket(connection, server_side=True) as tls:
            answer_profile(server, tls)

    return serve(answer_profile_over_tls), server_names


@pytest.fixture
def tls_unipile(serve, self_signed_certificate):
    """A Unipile stand-in answering a profile over TLS with the self-signed certificate: its https URL."""
    server, _ = serve_tls(serve, self_signed_certificate)
    return server.url.replace("http://", "https://")


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_named_at_start_is_trusted_even_once_unset(
    variable, tls_unipile, self_signed_certificate, provider_for, environment
):
    environment.setenv(variable, str(self_signed_certificate[0]))
    provider = provider_for(tls_unipile)
    environment.delenv(variable)

    assert provider.profile_relationship(ACCOUNT, JANE).network_distance == "FIRST_DEGREE"


def test_a_ca_bundle_named_after_start_is_not_used(tls_unipile, self_signed_certificate, provider_for, environment):
    provider = provider_for(tls_unipile)
    environment.setenv("REQUESTS_CA_BUNDLE", str(self_signed_certificate[0]))

    failure, _ = timed_failure(provider)

    assert failure.code is ProviderFailureCode.UNREACHABLE
    assert "TLS" in str(failure)


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux dropping SYNs to a full backlog")
def test_a_slow_connect_leaves_the_answer_only_what_remains_of_the_deadline(provider_for):
    # The first SYN finds the accept queue full and is dropped; Linux sends it again after 1 s, when
    # there is room. The answer never comes: the call must end at 1.5 s, not 1 s + a fresh 1.5 s.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    queue_filler = socket.create_connection(("127.0.0.1", port))
    done = threading.Event()

    def make_room_then_stay_silent():
        time.sleep(0.3)
        listener.accept()[0].close()
        connection, _ = listener.accept()
        with connection:
            connection.recv(4096)
            done.wait(5)

    threading.Thread(target=make_room_then_stay_silent, daemon=True).start()
    try:
        failure, elapsed = timed_failure(provider_for(f"http://127.0.0.1:{port}", timeout_seconds=1.5))
    finally:
        done.set()
        queue_filler.close()
        listener.close()

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert elapsed < 2.0


def test_a_connection_cut_at_the_deadline_is_not_used_again(serve, provider_for):
    def stall_first_then_answer(server, connection):
        first = server.accepted == 1
        while server.read_request(connection):
            if first:
                connection.sendall(response_head(len(PROFILE)) + PROFILE[:10])
                server.stopped.wait()
                return
            connection.sendall(response_head(len(PROFILE)) + PROFILE)

    server = serve(stall_first_then_answer)
    provider = provider_for(server.url, timeout_seconds=0.5)

    failure, _ = timed_failure(provider)
    answers = [provider.profile_relationship(ACCOUNT, JANE).network_distance for _ in range(3)]

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert answers == ["FIRST_DEGREE"] * 3
    assert server.accepted == 2


def test_a_server_stalling_after_late_headers_is_cut_at_the_deadline(serve, provider_for):
    # The socket's read timeout is set once per request: alone, it would let the stall last a full
    # second more.
    def late_head_then_silence(server, connection):
        server.read_request(connection)
        time.sleep(0.6)
        connection.sendall(response_head(1000))
        server.stopped.wait()

    server = serve(late_head_then_silence)

    failure, elapsed = timed_failure(provider_for(server.url, timeout_seconds=1.0))

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert elapsed < 1.3


def test_a_connection_reset_mid_answer_is_unreachable_and_not_retried(serve, provider_for):
    # The request reached Unipile (a profile view LinkedIn counts), so it is not sent again.
    def reset_mid_body(server, connection):
        server.read_request(connection)
        connection.sendall(response_head(1000) + b'{"object": "UserProfile", ')
        time.sleep(0.2)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    server = serve(reset_mid_body)

    failure, _ = timed_failure(provider_for(server.url, timeout_seconds=5.0))

    assert failure.code is ProviderFailureCode.UNREACHABLE
    assert server.accepted == 1


def test_a_refused_connection_is_unreachable_after_the_retries(provider_for, unused_tcp_port):
    provider = provider_for(f"http://127.0.0.1:{unused_tcp_port}", timeout_seconds=2.0)

    failure, elapsed = timed_failure(provider)

    assert failure.code is ProviderFailureCode.UNREACHABLE
    assert elapsed < 1.0


def test_a_redirect_is_not_followed_and_the_api_key_stays_home(serve, provider_for):
    elsewhere = serve(answer_profile)

    def redirect(server, connection):
        server.read_request(connection)
        location = f"Location: {elsewhere.url}/api/v1/users/jane\r\n"
        connection.sendall(response_head(0, "302 Found", location))

    redirecting = serve(redirect)

    failure, _ = timed_failure(provider_for(redirecting.url, timeout_seconds=2.0))
    time.sleep(0.1)  # a stray connection to `elsewhere` would have been accepted by now

    assert failure.code is ProviderFailureCode.ERROR
    assert API_KEY.encode() in redirecting.requests[0]
    assert elsewhere.accepted == 0
    assert elsewhere.requests == []


def test_sequential_calls_share_one_connection_and_encode_the_path_once(serve, provider_for):
    server = serve(keep_alive_profiles)
    provider = provider_for(server.url, timeout_seconds=2.0)

    for _ in range(4):
        provider.profile_relationship(ACCOUNT, JANE)
    provider.profile_relationship(ACCOUNT, ProfileIdentifier("ömer-halis-demir-7a9b79169"))

    assert server.accepted == 1
    assert len(server.requests) == 5
    assert request_line(server.requests[-1]) == (
        b"GET /api/v1/users/%C3%B6mer-halis-demir-7a9b79169?account_id=t5XY4yQzR9WVrlNFyzPMhw&notify=false HTTP/1.1"
    )


@pytest.mark.parametrize(
    "status, extra_header, named",
    [
        ("200 OK", "", "larger than 1048576 bytes"),
        # requests would read a redirect's whole body to prepare the request it would send next.
        ("302 Found", "Location: http://127.0.0.1:9/elsewhere\r\n", "302"),
    ],
    ids=["answer", "redirect"],
)
def test_a_huge_body_fails_at_once_without_waiting_for_the_rest(
    serve, provider_for, status, extra_header, named
):
    def fifty_mebibytes_promised(server, connection):
        server.read_request(connection)
        connection.sendall(response_head(50 * 1_048_576, status, extra_header))
        for _ in range(32):  # 2 MiB arrive; the rest never does
            connection.sendall(b" " * 65536)
        server.stopped.wait()

    server = serve(fifty_mebibytes_promised)

    failure, elapsed = timed_failure(provider_for(server.url, timeout_seconds=5.0))

    assert failure.code is ProviderFailureCode.ERROR
    assert named in str(failure)
    assert elapsed < 2.0


# --- names: looked up within the deadline, like everything else -----------------------------------


class FakeNames:
    """socket.getaddrinfo knowing some names of its own; every other name goes to the system resolver.

    A name `answer`s with IPv4 addresses (`after` some seconds), `hang`s until the test ends (a
    resolver whose servers do not answer), or is `unknown`.
    """

    def __init__(self, system_getaddrinfo) -> None:
        self.asked: list[str] = []
        self.test_ended = threading.Event()
        self._system_getaddrinfo = system_getaddrinfo
        self._addresses: dict[str, list[str] | None] = {}
        self._answer_after: dict[str, float] = {}

    def answer(self, name: str, *addresses: str, after: float = 0.0) -> None:
        self._addresses[name] = list(addresses)
        self._answer_after[name] = after

    def hang(self, name: str) -> None:
        self._addresses[name] = None

    def unknown(self, name: str) -> None:
        self._addresses[name] = []

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        self.asked.append(host)
        if host not in self._addresses:
            return self._system_getaddrinfo(host, port, family, type, proto, flags)
        addresses = self._addresses[host]
        self.test_ended.wait(self._answer_after.get(host, 0.0))
        if addresses is None:
            self.test_ended.wait(10)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port)) for address in addresses]


@pytest.fixture
def names(monkeypatch):
    fake = FakeNames(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    yield fake
    fake.test_ended.set()  # frees the lookups still hanging


def port_of(server: LocalServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def hang_every_lookup_thread(names: FakeNames, provider_for) -> None:
    """Leaves lookups of a hanging name running on every thread that could look a name up."""
    names.hang("hung.test")
    provider = provider_for("http://hung.test:13851", timeout_seconds=0.3)
    callers = [threading.Thread(target=timed_failure, args=(provider,)) for _ in range(16)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()


def test_a_name_whose_lookup_hangs_fails_at_the_deadline(names, provider_for):
    names.hang("unipile.test")

    failure, elapsed = timed_failure(provider_for("http://unipile.test:13851", timeout_seconds=1.0))

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert 0.9 <= elapsed < 1.5


def test_a_proxy_whose_name_hangs_fails_at_the_deadline(names, provider_for, environment):
    names.hang("proxy.test")
    environment.setenv("HTTP_PROXY", "http://proxy.test:3128")

    failure, elapsed = timed_failure(provider_for("http://api8.unipile.invalid:13851", timeout_seconds=1.0))

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert elapsed < 1.5


def test_a_name_looked_up_in_time_is_answered_and_named_in_the_host_header(names, serve, provider_for):
    server = serve(keep_alive_profiles)
    names.answer("unipile.test", "127.0.0.1")
    provider = provider_for(f"http://unipile.test:{port_of(server)}")

    answers = [provider.profile_relationship(ACCOUNT, JANE).network_distance for _ in range(2)]

    assert answers == ["FIRST_DEGREE"] * 2
    assert server.accepted == 1  # the second request went over the connection the first opened
    host_header = f"\r\nHost: unipile.test:{port_of(server)}\r\n".encode()
    assert all(host_header in request for request in server.requests)


def test_tls_to_a_looked_up_name_verifies_and_asks_for_the_name(names, serve, provider_for, environment, tmp_path):
    certificate = make_certificate(tmp_path, "DNS:unipile.test")  # not valid for 127.0.0.1
    server, server_names = serve_tls(serve, certificate)
    names.answer("unipile.test", "127.0.0.1")
    environment.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))

    relationship = provider_for(f"https://unipile.test:{port_of(server)}").profile_relationship(ACCOUNT, JANE)

    assert relationship.network_distance == "FIRST_DEGREE"
    assert server_names == ["unipile.test"]


def test_a_name_whose_first_address_refuses_is_answered_at_the_next(names, serve, provider_for):
    server = serve(answer_profile)  # on 127.0.0.1 only: 127.0.0.2 refuses
    names.answer("unipile.test", "127.0.0.2", "127.0.0.1")

    relationship = provider_for(f"http://unipile.test:{port_of(server)}").profile_relationship(ACCOUNT, JANE)

    assert relationship.network_distance == "FIRST_DEGREE"
    assert server.accepted == 1


def test_a_name_that_does_not_exist_is_unreachable_after_the_retries(names, provider_for):
    names.unknown("unipile.test")

    failure, elapsed = timed_failure(provider_for("http://unipile.test:13851", timeout_seconds=2.0))

    assert failure.code is ProviderFailureCode.UNREACHABLE
    assert elapsed < 1.0
    assert names.asked.count("unipile.test") == 3


def test_while_lookups_hang_a_call_waiting_for_a_lookup_still_ends_at_its_deadline(names, serve, provider_for):
    server = serve(answer_profile)
    names.answer("unipile.test", "127.0.0.1")
    hang_every_lookup_thread(names, provider_for)

    failure, elapsed = timed_failure(provider_for(f"http://unipile.test:{port_of(server)}", timeout_seconds=0.5))

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert elapsed < 1.0


def test_while_lookups_hang_an_ip_address_dsn_is_answered(names, serve, provider_for):
    server = serve(answer_profile)
    hang_every_lookup_thread(names, provider_for)

    relationship = provider_for(server.url, timeout_seconds=1.0).profile_relationship(ACCOUNT, JANE)

    assert relationship.network_distance == "FIRST_DEGREE"


@pytest.mark.skipif(sys.platform != "linux", reason="relies on Linux dropping SYNs to a full backlog")
def test_connecting_after_a_slow_lookup_and_to_further_addresses_stays_within_the_deadline(names, provider_for):
    # Both addresses drop every SYN: connecting gets what the lookup left of the deadline, and the
    # second address what the first left.
    listeners, queue_fillers = [], []
    try:
        for address in ("127.0.0.1", "127.0.0.2"):
            listener = socket.socket()
            listener.bind((address, listeners[0].getsockname()[1] if listeners else 0))
            listener.listen(0)
            listeners.append(listener)
            queue_fillers.append(socket.create_connection(listener.getsockname()))
        names.answer("unipile.test", "127.0.0.1", "127.0.0.2", after=0.5)
        port = listeners[0].getsockname()[1]

        failure, elapsed = timed_failure(provider_for(f"http://unipile.test:{port}", timeout_seconds=1.0))
    finally:
        for held in queue_fillers + listeners:
            held.close()

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert elapsed < 1.3

# --- an answer the deadline cut is never read as complete -----------------------------------------


def sending(answer: bytes, *, then_stay_open: bool = False):
    """A handler that answers `answer` to the request, then closes, or keeps the connection open
    well past any deadline a test sets (the wait ends on its own, so a client ignoring the deadline
    fails instead of hanging)."""

    def handle(server, connection):
        server.read_request(connection)
        connection.sendall(answer)
        if then_stay_open:
            server.stopped.wait(5)

    return handle


def chunked(body: bytes) -> bytes:
    return f"{len(body):x}\r\n".encode() + body + b"\r\n"


def head_without_length(extra: str = "") -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra}\r\n".encode()


@pytest.mark.parametrize(
    "answer",
    [
        # Without a length, only the connection's end ends the body: the cut is no such end.
        head_without_length() + PROFILE,
        head_without_length("Content-Encoding: gzip\r\n") + gzip.compress(PROFILE),
        # Every chunk but the last, empty one that says the body is complete.
        head_without_length("Transfer-Encoding: chunked\r\n") + chunked(PROFILE),
        head_without_length("Transfer-Encoding: chunked\r\n") + chunked(PROFILE)[:-2],
        response_head(len(PROFILE) + 10) + PROFILE,
    ],
    ids=["no-length", "gzip-no-length", "chunked-without-last-chunk", "mid-chunk", "short-of-its-length"],
)
def test_a_whole_profile_whose_answer_is_not_over_at_the_deadline_is_a_timeout(serve, provider_for, answer):
    server = serve(sending(answer, then_stay_open=True))

    failure, elapsed = timed_failure(provider_for(server.url, timeout_seconds=1.0))

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert 0.9 <= elapsed < 1.5


@pytest.mark.parametrize(
    "answer",
    [
        head_without_length("Connection: close\r\n") + PROFILE,
        head_without_length("Transfer-Encoding: chunked\r\n") + chunked(PROFILE[:20]) + chunked(PROFILE[20:]) + b"0\r\n\r\n",
    ],
    ids=["ended-by-closing", "chunked"],
)
def test_a_profile_without_a_length_is_read_when_its_answer_ends(serve, provider_for, answer):
    server = serve(sending(answer))

    relationship = provider_for(server.url, timeout_seconds=2.0).profile_relationship(ACCOUNT, JANE)

    assert relationship.network_distance == "FIRST_DEGREE"


@pytest.mark.parametrize(
    "sent_before_stalling",
    [
        b"HTTP/1.1 2",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: applic",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Len",
        b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n",
    ],
    ids=["status-line", "after-status-line", "header-value", "after-a-header", "header-name", "error-status"],
)
def test_a_head_cut_at_the_deadline_is_a_timeout_wherever_it_stops(serve, provider_for, sent_before_stalling):
    server = serve(sending(sent_before_stalling, then_stay_open=True))

    failure, elapsed = timed_failure(provider_for(server.url, timeout_seconds=1.0))

    assert failure.code is ProviderFailureCode.TIMEOUT
    assert 0.9 <= elapsed < 1.5
    assert server.accepted == 1


def test_an_error_answer_whose_body_is_cut_is_classified_by_its_status(serve, provider_for):
    # The status line and headers arrived whole: only the body, which refines them, is lost.
    rate_limited = (
        b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 30\r\n\r\n"
        b'{"status": 429, "type": "errors/too_many_requests"}'
    )
    server = serve(sending(rate_limited, then_stay_open=True))

    failure, elapsed = timed_failure(provider_for(server.url, timeout_seconds=1.0))

    assert (failure.code, failure.retry_after) == (ProviderFailureCode.RATE_LIMITED, 30)
    assert elapsed < 1.5


# --- an answer that is not HTTP: Unipile's fault, not the network's, and not asked again -----------


@pytest.mark.parametrize(
    "answer",
    [
        b"HELLO\r\n\r\n",
        b"HTTP/1.1 OK\r\n\r\n",
        b"HTTP/1.1 200 " + b"O" * 70_000 + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Header-%d: x\r\n" % number for number in range(5000)) + b"\r\n",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"x" * 70_000 + b"\r\n\r\n",
    ],
    ids=["hello", "no-status-code", "long-status-line", "5000-headers", "long-header"],
)
def test_an_answer_that_is_not_http_is_a_provider_error_and_not_retried(serve, provider_for, answer):
    server = serve(sending(answer))

    failure, elapsed = timed_failure(provider_for(server.url, timeout_seconds=2.0))

    assert failure.code is ProviderFailureCode.ERROR
    assert server.accepted == 1
    assert elapsed < 1.0


@pytest.mark.parametrize("reset", [True, False], ids=["reset", "closed"])
def test_a_connection_ended_before_any_answer_is_unreachable_after_the_retries(serve, provider_for, reset):
    def end_without_answering(server, connection):
        server.read_request(connection)
        if reset:  # SO_LINGER 0: closing sends RST instead of FIN
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    server = serve(end_without_answering)

    failure, _ = timed_failure(provider_for(server.url, timeout_seconds=2.0))

    assert failure.code is ProviderFailureCode.UNREACHABLE
    assert server.accepted == 3


# --- a key twice in one object: ambiguous, so never trusted ---------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"object": "UserProfile", "provider": "LINKEDIN", "network_distance": "OUT_OF_NETWORK",'
        b' "network_distance": "FIRST_DEGREE"}',
        b'{"object": "UserProfile", "provider": "LINKEDIN", "network_distance": "SECOND_DEGREE",'
        b' "invitation": {"type": "SENT", "status": "PENDING", "status": "WITHDRAWN"}}',
        b'{"object": "CompanyProfile", "object": "UserProfile", "provider": "LINKEDIN"}',
    ],
    ids=["distance", "nested", "object-type"],
)
def test_a_profile_with_a_key_twice_is_a_provider_error(serve, provider_for, body):
    server = serve(sending(response_head(len(body)) + body))

    failure, _ = timed_failure(provider_for(server.url))

    assert failure.code is ProviderFailureCode.ERROR
    assert server.accepted == 1


def test_an_error_answer_with_its_type_twice_is_not_trusted(serve, provider_for):
    body = b'{"status": 401, "type": "errors/invalid_parameters", "type": "errors/disconnected_account"}'
    server = serve(sending(response_head(len(body), "401 Unauthorized") + body))

    failure, _ = timed_failure(provider_for(server.url))

    assert failure.code is ProviderFailureCode.ERROR
    assert "disconnected_account" not in str(failure)
