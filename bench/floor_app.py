"""The floor the service is measured against: the least a check can do, served the same way.

One route makes the same Unipile call as the service (same path, query, headers, timeout style,
no redirects) through one pooled requests.Session per process and returns the profile's JSON. No
authentication, no database, no parsing beyond `.json()`: whatever the service spends above this
is its overhead. Served as `gunicorn ... bench.floor_app:app` with the service's environment.
"""

from __future__ import annotations

import os

import requests
from flask import Flask, jsonify
from requests.adapters import HTTPAdapter

from entrypoints.serving import threads_per_worker

# The service's pool size for the same call: one connection per worker thread (app.py), so that
# no thread opens and discards connections.
POOL_SIZE = threads_per_worker(os.environ)


def create_floor_app() -> Flask:
    base_url = os.environ["UNIPILE_DSN"].rstrip("/")
    headers = {"X-API-KEY": os.environ["UNIPILE_API_KEY"], "accept": "application/json"}
    timeout = float(os.environ.get("UNIPILE_TIMEOUT_SECONDS", "10"))
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=POOL_SIZE)
    session.mount("http://", adapter)
    session.mount("https://", adapter)

    app = Flask(__name__)

    @app.get("/check")
    def check():
        response = session.get(
            f"{base_url}/api/v1/users/bench-first-degree",
            params={"account_id": "bench-account", "notify": "false"},
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,
        )
        response.raise_for_status()
        return jsonify(response.json())

    return app


app = create_floor_app()
