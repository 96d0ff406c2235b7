"""Load for the benchmarks, from a process of its own: `wrk` when installed, else a Python generator.

Both keep every connection alive, send GETs round-robin over a list of targets (path + headers),
stop at a time limit or a request count, whichever comes first, and report the same figures:
completed requests, errors (socket errors and HTTP statuses >= 400), elapsed seconds, p50 and p99.

The Python generator (threads + http.client) costs far more CPU per request than wrk, and on a
two-core machine that CPU is taken from the server: its throughput figures are lower, its ratios
still comparable within one run. Run it directly with `python bench/load.py --help`.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

RESULT_MARK = "BENCH_RESULT "
LIMIT_MARK = "BENCH_LIMIT_REACHED"
REQUEST_TIMEOUT_SECONDS = 10
# Past its time limit, a load process gets this long to report before it is killed.
GRACE_SECONDS = 30


@dataclass(frozen=True)
class Target:
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def tool(preference: str = "auto") -> str:
    """'wrk' or 'python': wrk when it is on PATH (or demanded), the Python generator otherwise."""
    if preference == "python" or (preference == "auto" and shutil.which("wrk") is None):
        return "python"
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk), use --load-generator python")
    return "wrk"


def drive(
    port: int,
    targets: list[Target],
    *,
    connections: int,
    seconds: float,
    max_requests: int | None = None,
    generator: str = "wrk",
) -> LoadResult:
    """Load 127.0.0.1:port for `seconds` or until `max_requests` answers, from another process."""
    with tempfile.TemporaryDirectory(prefix="bench-load-") as directory:
        if generator == "wrk":
            script = Path(directory) / "targets.lua"
            script.write_text(_wrk_script(targets, max_requests))
            command = [
                "wrk", "--threads", "1", "--connections", str(connections),
                "--duration", f"{max(1, round(seconds))}s", "--timeout", f"{REQUEST_TIMEOUT_SECONDS}s",
                "--script", str(script), f"http://127.0.0.1:{port}",
            ]  # fmt: skip
        else:
            targets_file = Path(directory) / "targets.json"
            targets_file.write_text(json.dumps([[t.path, t.headers] for t in targets]))
            command = [
                sys.executable, __file__, "--port", str(port), "--targets", str(targets_file),
                "--connections", str(connections), "--seconds", str(seconds),
                "--max-requests", str(max_requests or 0),
            ]  # fmt: skip
        return _run(command, seconds)


# Load processes still running, for stop_all() when the benchmark is interrupted.
_running: set[subprocess.Popen] = set()


def stop_all() -> None:
    for process in list(_running):
        _kill_group(process)


def _run(command: list[str], seconds: float) -> LoadResult:
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    _running.add(process)
    watchdog = threading.Timer(seconds + GRACE_SECONDS, _kill_group, (process,))
    watchdog.start()
    result = None
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(LIMIT_MARK):
                # wrk sleeps out its whole duration even when every thread has stopped; SIGINT ends it.
                os.kill(process.pid, signal.SIGINT)
            elif line.startswith(RESULT_MARK):
                result = json.loads(line[len(RESULT_MARK):])
        process.wait()
    finally:
        watchdog.cancel()
        _kill_group(process)
        _running.discard(process)
    if result is None:
        stderr = process.stderr.read() if process.stderr else ""
        raise RuntimeError(f"{command[0]} gave no result (exit {process.returncode}): {stderr[-2000:]}")
    return LoadResult(**result)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _lua_string(text: str) -> str:
    if not (text.isascii() and text.isprintable()) or '"' in text or "\\" in text:
        raise ValueError(f"not a plain ASCII string: {text!r}")
    return f'"{text}"'


def _wrk_script(targets: list[Target], max_requests: int | None) -> str:
    rows = ",\n".join(
        "{" + _lua_string(target.path) + ", {"
        + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in target.headers.items())
        + "}}"
        for target in targets
    )
    # Counting answers needs a response() callback, which costs wrk a little: only when asked for.
    counter = "" if not max_requests else f"""
local answered = 0
local limit_reported = false
response = function(status, headers, body)
  answered = answered + 1
  if answered >= {max_requests} and not limit_reported then
    limit_reported = true
    io.write("{LIMIT_MARK}\\n")
    io.stdout:flush()
    wrk.thread:stop()
  end
end
"""
    return f"""
local targets = {{
{rows}
}}
local next_target = 0
request = function()
  next_target = next_target % #targets + 1
  local target = targets[next_target]
  return wrk.format("GET", target[1], target[2])
end
{counter}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{RESULT_MARK}{{"requests": %d, "errors": %d, "seconds": %.6f, "p50_ms": %.3f, "p99_ms": %.3f}}\\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def _python_load(
    port: int, targets: list[tuple[str, dict[str, str]]], connections: int, seconds: float, max_requests: int
) -> dict[str, float]:
    started = time.monotonic()
    deadline = started + seconds
    tickets = itertools.count()
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def connection_loop(index: int) -> None:
        connection: http.client.HTTPConnection | None = None
        for sent in itertools.count():
            if time.monotonic() >= deadline or (max_requests and next(tickets) >= max_requests):
                break
            path, headers = targets[(index + sent * connections) % len(targets)]
            begun = time.perf_counter()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_SECONDS)
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                if connection is not None:
                    connection.close()
                connection = None
                continue
            latencies[index].append(time.perf_counter() - begun)
            if response.status >= 400:
                errors[index] += 1
            if response.will_close:
                connection.close()
                connection = None
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=connection_loop, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(itertools.chain.from_iterable(latencies))

    def percentile(fraction: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0

    return {
        "requests": len(ordered),
        "errors": sum(errors),
        "seconds": elapsed,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Python load generator (the fallback when wrk is missing).")
    parser.add_argument("--port", type=int, required=True, help="on 127.0.0.1")
    parser.add_argument("--targets", required=True, help='JSON file: [["/path", {"Header": "value"}], ...]')
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=0, help="0: no limit")
    args = parser.parse_args()
    targets = [(path, headers) for path, headers in json.loads(Path(args.targets).read_text())]
    result = _python_load(args.port, targets, args.connections, args.seconds, args.max_requests)
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
