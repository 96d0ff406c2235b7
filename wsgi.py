"""The WSGI entry point (`wsgi:app`) and the `flask --app wsgi` command line."""

import click

from entrypoints.app import create_app
from entrypoints.bootstrap import ConfigurationError

# `flask --app wsgi <command>` imports this module while click resolves the command; gunicorn, and
# `flask run` inside its own command, import it to serve.
_command = click.get_current_context(silent=True)

try:
    app = create_app(serving=_command is None or _command.command.name == "run")
except ConfigurationError as exc:
    # A one-line reason naming the variable, not a traceback.
    raise SystemExit(f"Configuration error: {exc}") from None
