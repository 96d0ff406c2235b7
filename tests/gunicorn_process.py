"""The service as production runs it: `gunicorn --config gunicorn.conf.py` on a free 127.0.0.1 port.

gunicorn runs in its own process group, so that stopping it stops its workers too, whatever state
they are in; every wait is bounded, so a broken server fails the test instead of hanging the run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
START_SECONDS = 30
STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GunicornProcess:
    """gunicorn in a subprocess with only `settings` as its environment; stdout and stderr in files.

    `directory` is its HOME and TMPDIR and holds gunicorn.out and gunicorn.err.
    """

    def __init__(self, directory: Path, settings: dict[str, str]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.stdout_path, self.stderr_path = directory / "gunicorn.out", directory / "gunicorn.err"
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(directory),
            "TMPDIR": str(directory),
            "BIND": f"127.0.0.1:{port}",
            **settings,
        }
        self.lingered = False  # whether the master was still running STOP_SECONDS after SIGTERM
        self._exit_code: int | None = None
        with open(self.stdout_path, "wb") as stdout, open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py"],
                cwd=REPO_ROOT,
                env=environment,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.stderr()}")
            try:
                if requests.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or a worker still booting
            time.sleep(0.1)
        pytest.fail(f"gunicorn not ready within {START_SECONDS} s:\n{self.stderr()}")

    def stop(self) -> int:
        """SIGTERM to the whole group (master and workers), SIGKILL if it lingers; once.

        Returns the master's exit code; `lingered` tells whether SIGTERM alone was not enough.
        """
        if self._exit_code is not None:
            return self._exit_code
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.lingered = True
        # Workers left behind by a master that died are in the same group.
        _signal_group(self.process.pid, signal.SIGKILL)
        self._exit_code = self.process.wait(timeout=STOP_SECONDS)
        return self._exit_code

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def _signal_group(group: int, signal_number: int) -> None:
    try:
        os.killpg(group, signal_number)
    except ProcessLookupError:
        pass
