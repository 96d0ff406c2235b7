"""The docs page renders in a real headless Chromium, from this service alone.

The app (wired with fakes) serves on a loopback socket; Chromium loads /api/v1/docs and prints the
DOM after Swagger UI has run. Skipped, with the reason shown, where Chromium is not installed
(`apt-get install -y chromium`).
"""

import shutil
import subprocess
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")


@pytest.fixture
def served(app):
    """The app on a free loopback port, and the list of paths it has been asked for."""
    requested: list[str] = []
    inner = app.wsgi_app

    def recording(environ, start_response):
        requested.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = recording
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requested
    server.shutdown()
    thread.join(timeout=10)


def dump_dom(url, profile_dir):
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile_dir}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


def test_swagger_ui_renders_both_operations_from_the_served_document(served, tmp_path):
    base_url, requested = served
    dom, browser_log = dump_dom(f"{base_url}/api/v1/docs", tmp_path / "chromium-profile")

    assert 'data-path="/api/v1/public/prospects/{prospect_id}/connection-status/"' in dom
    assert 'data-path="/api/v1/prospects/{prospect_id}/connection-status/"' in dom
    assert "Connection status API" in dom
    assert "Failed to load API definition" not in dom
    assert "/api/v1/openapi.json" in requested
    assert {"/api/v1/docs/swagger-ui-bundle.js", "/api/v1/docs/swagger-initializer.js"} <= set(requested)
    # The page's policy would block, and the console report, any load from elsewhere.
    assert "Content Security Policy" not in browser_log
