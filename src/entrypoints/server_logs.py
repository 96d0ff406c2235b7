"""gunicorn's own log lines (access lines, start-up, errors), redacted as the application's are."""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn import glogging
from gunicorn.http.errors import NoMoreData, ParseException

from entrypoints.logs import REDACTED, RedactingFilter

# What gunicorn writes for a request it cannot parse, the offending bytes quoted after the colon.
_INVALID_REQUEST = re.compile(r"(Invalid request from ip=\S*): (.*)", re.DOTALL)
# The description that starts each such error ("Invalid HTTP request line: '...'"): up to the
# first colon or quote, after which gunicorn quotes what the client sent.
_DESCRIPTION = re.compile(r"[^:'\"]*")


def without_query_values(target: str) -> str:
    """A request target with each query parameter's value hidden, its name kept.

    Any value may be a secret (`?jwt=...`); a parameter without `=` is hidden whole.
    """
    path, mark, query = target.partition("?")
    if not mark:
        return target
    return f"{path}?{_hidden_values(query)}"


def _hidden_values(query: str) -> str:
    parts = (part.partition("=") for part in query.split("&"))
    return "&".join(f"{name}={REDACTED}" if equals else (REDACTED if name else "") for name, equals, _ in parts)


def _description(error: str) -> str:
    return _DESCRIPTION.match(error).group().strip() or "unreadable request"


class _ServerLineFilter(RedactingFilter):
    """The application's redaction by shape, after removing what clients sent from messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and not record.args:
            invalid = _INVALID_REQUEST.fullmatch(record.msg)
            if invalid:
                record.msg = f"{invalid.group(1)}: {_description(invalid.group(2))}"
        if isinstance(record.args, tuple):
            record.args = tuple(_without_client_bytes(arg) for arg in record.args)
        return super().filter(record)


def _without_client_bytes(arg: Any) -> Any:
    # gunicorn logs parse errors (with the bytes read so far) and request targets as arguments.
    if isinstance(arg, (ParseException, NoMoreData)):
        return _description(str(arg))
    if isinstance(arg, str):
        return without_query_values(arg)
    return arg


class RedactedServerLogger(glogging.Logger):
    """gunicorn's logger, writing no query value and no bytes of an invalid request.

    Access lines keep the path and each query parameter's name, with every value written as
    `[REDACTED]`; an invalid request is logged as such, with the client's address and the kind of
    error, never with what it sent. Every line then passes the application's redaction by shape
    (entrypoints/logs.py): API keys, JWTs, passwords in URLs, LinkedIn addresses.
    """

    _filter = _ServerLineFilter()

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # gunicorn makes new handlers on each set-up (and configuration reload).
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(self._filter)

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        target = without_query_values(environ["RAW_URI"])
        atoms["r"] = f"{environ['REQUEST_METHOD']} {target} {environ['SERVER_PROTOCOL']}"
        if atoms.get("q"):
            atoms["q"] = _hidden_values(atoms["q"])
        return atoms
