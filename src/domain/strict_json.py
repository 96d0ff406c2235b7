"""JSON read strictly: a document that names a key twice in one object is refused, not guessed at.

RFC 8259 leaves such a document's meaning to each reader: Python's json keeps the last value,
other readers the first, so a body could mean one thing to whoever checked it and another here.
Both Unipile's answers and the webhook bodies Unipile sends are read through `loads`.
"""

from __future__ import annotations

import json
from typing import Any


class DuplicateKeyError(ValueError):
    """A JSON object names the same key twice."""


def loads(text: bytes | str) -> Any:
    """The JSON document `text` holds (bytes in UTF-8, -16 or -32, as json.loads reads them).

    Raises ValueError when it is not JSON, DuplicateKeyError (a ValueError) when an object in it
    names a key twice, and RecursionError when it is nested too deeply to read.
    """
    return json.loads(text, object_pairs_hook=_object_without_duplicate_keys)


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        # The key is not named: it is the sender's text, and this message reaches logs.
        raise DuplicateKeyError("a JSON object names the same key twice")
    return document
