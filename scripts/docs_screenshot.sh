#!/usr/bin/env bash
# Screenshot the docs page as a browser renders it: starts the service on a free loopback port
# (sandbox provider, SQLite in a temporary directory, a fresh JWT secret), points headless
# Chromium at /api/v1/docs, and stops the service.
# Usage: scripts/docs_screenshot.sh [output.png]   (default var/docs-screenshot.png)
set -euo pipefail
cd "$(dirname "$0")/.."

output=$(realpath -m "${1:-var/docs-screenshot.png}")
mkdir -p "$(dirname "$output")"
python=.venv/bin/python
chromium=$(command -v chromium || true)
if [ -z "$chromium" ]; then
  echo "chromium is not installed: apt-get install -y chromium" >&2
  exit 1
fi

workdir=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2> /dev/null || true; wait "$server_pid" 2> /dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export LINKEDIN_PROVIDER=sandbox
export DATABASE_URL="sqlite:///$workdir/connection-status.db"
JWT_SECRET_KEY=$("$python" -c 'import secrets; print(secrets.token_urlsafe(48))')
export JWT_SECRET_KEY

.venv/bin/flask --app wsgi db upgrade > /dev/null
.venv/bin/flask --app wsgi run --host 127.0.0.1 --port "$port" > "$workdir/server.log" 2>&1 &
server_pid=$!

base="http://127.0.0.1:$port"
"$python" - "$base/api/v1/openapi.json" <<'EOF'
import sys, time, urllib.request

deadline = time.monotonic() + 20
while True:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2).read()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"the service did not answer {sys.argv[1]} within 20 s")
        time.sleep(0.2)
EOF

"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$workdir/chromium-profile" --hide-scrollbars \
  --window-size=1280,2000 --virtual-time-budget=5000 \
  --screenshot="$output" "$base/api/v1/docs" > "$workdir/chromium.log" 2>&1 \
  || { cat "$workdir/chromium.log" >&2; exit 1; }

echo "$output"
