"""Logs as one JSON object per line on stderr, with every credential and LinkedIn URL redacted."""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

REDACTED = "[REDACTED]"

# Each pattern keeps its first group (the label) and hides what follows it.
_LABELLED_SECRETS = [
    # user:password@ in any URL or DSN (postgresql://, redis://, https://...).
    re.compile(r"([a-z][a-z0-9+.\-]*://[^\s:/@]*:)[^\s@/]+(?=@)", re.IGNORECASE),
    re.compile(r"(\bBearer\s+)[^\s'\",]+", re.IGNORECASE),
    # Header text as written by hand, by requests' dict repr, or as a WSGI environ key.
    re.compile(r"(\b(?:x[-_]api[-_]key|authorization)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+", re.IGNORECASE),
    re.compile(r"((?:password|passwd|pwd|secret|token|api_key)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}&]+", re.IGNORECASE),
    # The profile identifier in a Unipile lookup's path, as urllib3 logs each request at DEBUG.
    re.compile(r"(/api/v1/users/)[^\s?#'\"<>]+"),
]
_BARE_SECRETS = [
    # Our API keys: a 12-hex-digit prefix, a dot, then the secret.
    re.compile(r"\b[0-9a-f]{12}\.[A-Za-z0-9_\-]{8,}"),
    # JWTs: three base64url parts, the first one a JSON header ("{" encodes to "ey").
    re.compile(r"\beyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"),
    # Any linkedin.com address, with or without scheme, up to the next space or quote.
    re.compile(r"(?:[a-z][a-z0-9+.\-]*:)?(?://)?(?:[a-z0-9\-]+\.)*linkedin\.com\b[^\s'\"<>]*", re.IGNORECASE),
]
_MIN_LITERAL_SECRET_LENGTH = 6
# Each shape above contains one of these markers in lower case: text without any holds none of
# them, and most logged text (methods, routes, request ids, outcome codes) passes after this look.
_SECRET_MARKERS = (
    "://", "bearer", "key", "authorization", "passw", "pwd", "secret", "token", "/api/v1/users/",
    ".", "eyj", "linkedin",
)  # fmt: skip
# The non-ASCII letters that the patterns' IGNORECASE matches to ASCII ones and str.lower() does not
# turn into them ('ſ' is 's', 'İ' and 'ı' are 'i'; the Kelvin sign lowers to 'k' by itself).
_FOLDED_LETTERS = frozenset("ſİı")


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, fields and exception text with every secret hidden.

    Known secrets (the Unipile key, the JWT secret, database passwords) are hidden wherever they
    appear; credentials of the shapes we use are hidden by pattern, whatever their value.
    """

    def __init__(self, literal_secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._literals = sorted(
            {secret for secret in literal_secrets if secret and len(secret) >= _MIN_LITERAL_SECRET_LENGTH},
            key=len,
            reverse=True,
        )

    def redact(self, text: str) -> str:
        lowered = text.lower()
        if (
            not any(marker in lowered for marker in _SECRET_MARKERS)
            and _FOLDED_LETTERS.isdisjoint(text)
            and not any(secret in text for secret in self._literals)
        ):
            return text
        return self._redact_every_shape(text)

    def _redact_every_shape(self, text: str) -> str:
        for secret in self._literals:
            text = text.replace(secret, REDACTED)
        for pattern in _LABELLED_SECRETS:
            text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
        for pattern in _BARE_SECRETS:
            text = pattern.sub(REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(_message_of(record))
        record.args = None
        if record.exc_info:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info))
            # Formatters would render the traceback again from exc_info, unredacted.
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {
                name: self.redact(value) if isinstance(value, str) else value
                for name, value in fields.items()
            }
        return True


def _message_of(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):
        # A message whose arguments do not fit it is still logged, in pieces.
        return f"{record.msg} {record.args!r}"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, pid, then the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            document.update(fields)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            document["exception"] = record.exc_text
        if record.stack_info:
            document["stack"] = record.stack_info
        return json.dumps(document, default=str, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of the write (tests and servers swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def json_handler(literal_secrets: Iterable[str] = ()) -> logging.Handler:
    handler = _StderrHandler()
    handler.addFilter(RedactingFilter(literal_secrets))
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging(level: str, literal_secrets: Iterable[str] = ()) -> None:
    """Route every log record through one redacting JSON handler on stderr.

    Calling it again (a second app in one process) replaces the handler instead of adding one.
    """
    root = logging.getLogger()
    for handler in [handler for handler in root.handlers if isinstance(handler, _StderrHandler)]:
        root.removeHandler(handler)
    root.addHandler(json_handler(literal_secrets))
    root.setLevel(level)
    # The development server's own access lines would repeat our request lines as plain text.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
