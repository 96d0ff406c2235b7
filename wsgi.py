"""The WSGI entry point (`wsgi:app`) and the `flask --app wsgi` command line."""

from entrypoints.app import create_app
from entrypoints.bootstrap import ConfigurationError

try:
    app = create_app()
except ConfigurationError as exc:
    # A one-line reason naming the variable, not a traceback.
    raise SystemExit(f"Configuration error: {exc}") from None
