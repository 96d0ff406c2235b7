"""API keys in the platform's `<prefix>.<secret>` format: the prefix is public, the secret is shown once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from domain.model import ApiKeyRecord

PREFIX_LENGTH = 12
# token_urlsafe(32) gives 43 characters, above the 32-character minimum.
SECRET_BYTES = 32
_SEPARATOR = "."


@dataclass(frozen=True)
class NewApiKey:
    prefix: str
    secret_hash: str
    key: str  # the only time the whole key exists: shown once, then forgotten


def generate_api_key() -> NewApiKey:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return NewApiKey(prefix=prefix, secret_hash=hash_secret(secret), key=f"{prefix}{_SEPARATOR}{secret}")


def split_api_key(presented: str) -> tuple[str, str] | None:
    """(prefix, secret), or None when the text cannot be one of our keys."""
    prefix, separator, secret = presented.partition(_SEPARATOR)
    if not separator or len(prefix) != PREFIX_LENGTH or not secret or len(presented) > 256:
        return None
    return prefix, secret


def hash_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is safe; a slow KDF would only add latency.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def secret_matches(record: ApiKeyRecord, secret: str) -> bool:
    return hmac.compare_digest(record.secret_hash, hash_secret(secret))
