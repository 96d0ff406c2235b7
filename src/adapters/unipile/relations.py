"""Unipile's relations resource: LinkedInRelations, the members an account's member is connected to."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from adapters.unipile.transport import UnipileClient, document_of
from domain.errors import ProviderFailure, ProviderFailureCode
from domain.relations import Relation

logger = logging.getLogger(__name__)

# Unipile's largest page: the fewer calls, the less this endpoint looks polled.
RELATIONS_PAGE_SIZE = 1000
# A relation is listed with names, headline, URLs and picture URLs: up to about 2 KB each, so a
# full page can pass the 1 MiB that caps a profile. Still bounded, so a runaway answer is refused.
MAX_RELATIONS_PAGE_BYTES = 4 * 1024 * 1024


class UnipileRelations:
    """Pages through `GET /api/v1/users/relations`, each page a call with its own deadline."""

    def __init__(self, client: UnipileClient) -> None:
        self._client = client

    def relation_pages(self, provider_account_id: str, *, max_pages: int) -> Iterator[tuple[Relation, ...]]:
        params = {"account_id": provider_account_id, "limit": str(RELATIONS_PAGE_SIZE)}
        cursors_seen: set[str] = set()
        try:
            for _ in range(max_pages):
                page, cursor = _relations_page_from(self._client.get_json(
                    "/api/v1/users/relations", params, max_body_bytes=MAX_RELATIONS_PAGE_BYTES
                ))
                yield page
                if cursor is None:
                    return
                if cursor in cursors_seen:
                    raise ProviderFailure(ProviderFailureCode.ERROR, "Unipile repeated a page cursor")
                cursors_seen.add(cursor)
                params = {**params, "cursor": cursor}
        except ProviderFailure as failure:
            if failure.code is ProviderFailureCode.AUTH_FAILED:
                logger.error("Unipile rejected the API key (%s); every call fails until it is replaced", failure)
            else:
                logger.warning("Listing the relations of provider account %s failed: %s", provider_account_id, failure)
            raise
        logger.warning(
            "Stopped listing the relations of provider account %s after %d pages; Unipile has more",
            provider_account_id,
            max_pages,
        )


def _relations_page_from(body: bytes) -> tuple[tuple[Relation, ...], str | None]:
    """One page of relations and the cursor of the next, None on the last page."""
    document = document_of(body, "UserRelationsList")
    items, cursor = document.get("items"), document.get("cursor")
    # An empty cursor is neither the end nor a page to ask for: the wire format moved.
    if not isinstance(items, list) or not (cursor is None or (isinstance(cursor, str) and cursor)):
        raise ProviderFailure(
            ProviderFailureCode.ERROR, "Unipile answered a UserRelationsList without items or cursor"
        )
    relations = tuple(relation for relation in map(_relation_from, items) if relation is not None)
    if len(relations) < len(items):
        # Leaving a member out records nothing about it, which is safe: absence proves nothing.
        logger.warning("Skipped %d relations Unipile listed without a member_id", len(items) - len(relations))
    return relations, cursor


def _relation_from(item: object) -> Relation | None:
    if not isinstance(item, dict):
        return None
    member_id, public_identifier = item.get("member_id"), item.get("public_identifier")
    if not isinstance(member_id, str) or not member_id:
        return None
    return Relation(
        member_id=member_id,
        public_identifier=public_identifier if isinstance(public_identifier, str) and public_identifier else None,
    )
