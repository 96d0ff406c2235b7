"""A local Unipile stand-in for the benchmarks: every profile lookup answers after a fixed delay.

    python bench/unipile_standin.py --latency-ms 100 --api-key KEY

It binds 127.0.0.1 on a free port and prints that port as its first line. One asyncio loop
holds every connection and delays each answer with a timer, so slow answers overlap without a
thread each: a thread per connection (ThreadingHTTPServer) measured a p99 of 124 ms at 32
connections and 100 ms, and 214 ms at 64, which would have been charged to the service.
The benchmark measures the stand-in alone before relying on it.

`GET /bench/lookups` answers at once, without a key, how many profile lookups it has been
asked for: the benchmark checks with it that every check asked the provider.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import signal
from urllib.parse import unquote

# Every answer names the member asked for, as Unipile's do: the service refuses any other.
PROFILE = {
    "object": "UserProfile",
    "provider": "LINKEDIN",
    "first_name": "Bench",
    "last_name": "Prospect",
    "network_distance": "FIRST_DEGREE",
    "is_relationship": True,
    "websites": [],
}


def profile_of(identifier: str) -> bytes:
    return json.dumps(
        {**PROFILE, "provider_id": "ACoAABench" + hashlib.sha256(identifier.encode()).hexdigest()[:24], "public_identifier": identifier}
    ).encode()


MISSING_CREDENTIALS = json.dumps(
    {"status": 401, "type": "errors/missing_credentials", "title": "Missing credentials"}
).encode()
NOT_FOUND = json.dumps(
    {"status": 404, "type": "errors/resource_not_found", "title": "Resource not found."}
).encode()
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
MAX_HEAD_BYTES = 16 * 1024
LOOKUPS_PATH = "/bench/lookups"


class Tally:
    """Profile lookups asked for, over every connection."""

    def __init__(self) -> None:
        self.lookups = 0


def http_response(status: int, body: bytes, *, close: bool) -> bytes:
    head = (
        f"HTTP/1.1 {status} {REASONS[status]}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    return head.encode("ascii") + body


class ProfileLookup(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, GET only, as much as the service's client and the load tools use."""

    def __init__(self, latency_seconds: float, api_key: str, tally: Tally) -> None:
        self._latency_seconds = latency_seconds
        self._api_key = api_key
        self._tally = tally
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def connection_lost(self, _exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while b"\r\n\r\n" in self._buffer:
            head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
            self._answer(head)
        if len(self._buffer) > MAX_HEAD_BYTES:
            self._send(http_response(400, b"{}", close=True), close=True)

    def _answer(self, head: bytes) -> None:
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        close = headers.get("connection", "").lower() == "close"
        parts = request_line.split(" ")
        if parts[:2] == ["GET", LOOKUPS_PATH]:
            body = json.dumps({"lookups": self._tally.lookups}).encode()
            self._send(http_response(200, body, close=close), close=close)
        elif headers.get("x-api-key") != self._api_key:
            self._send(http_response(401, MISSING_CREDENTIALS, close=close), close=close)
        elif len(parts) != 3 or parts[0] != "GET" or not parts[1].startswith("/api/v1/users/"):
            self._send(http_response(404, NOT_FOUND, close=close), close=close)
        else:
            identifier = unquote(parts[1][len("/api/v1/users/"):].split("?", 1)[0])
            response = http_response(200, profile_of(identifier), close=close)
            self._tally.lookups += 1
            asyncio.get_running_loop().call_later(self._latency_seconds, self._send, response, close)

    def _send(self, response: bytes, close: bool) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        self._transport.write(response)
        if close:
            self._transport.close()


async def serve(latency_seconds: float, api_key: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    tally = Tally()
    server = await loop.create_server(
        lambda: ProfileLookup(latency_seconds, api_key, tally),
        "127.0.0.1",
        port,
        # Hundreds of connections arrive at once when the load starts.
        backlog=4096,
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay before each answer")
    parser.add_argument("--api-key", required=True, help="the X-API-KEY the service must send")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args()
    asyncio.run(serve(args.latency_ms / 1000, args.api_key, args.port))


if __name__ == "__main__":
    main()
