"""Unipile's account resource: the AccountDirectory, every account Unipile holds for us."""

from __future__ import annotations

import logging

from adapters.unipile.transport import UnipileClient, document_of
from domain.errors import ProviderFailure, ProviderFailureCode
from domain.model import ProviderAccount

logger = logging.getLogger(__name__)

ACCOUNTS_PAGE_SIZE = 100
# 100,000 accounts; beyond that a listing that never ends is likelier than a real one.
MAX_ACCOUNT_PAGES = 1000


class UnipileAccountDirectory:
    """Lists the accounts (`GET /api/v1/accounts`) with the status of each of their sources."""

    def __init__(self, client: UnipileClient) -> None:
        self._client = client

    def list_accounts(self) -> tuple[ProviderAccount, ...]:
        """Every page of `GET /api/v1/accounts`, each page a call with its own deadline."""
        accounts: list[ProviderAccount] = []
        cursors_seen: set[str] = set()
        params = {"limit": str(ACCOUNTS_PAGE_SIZE)}
        try:
            for _ in range(MAX_ACCOUNT_PAGES):
                page, cursor = _account_page_from(self._client.get_json("/api/v1/accounts", params))
                accounts.extend(page)
                if cursor is None:
                    return tuple(accounts)
                if cursor in cursors_seen:
                    raise ProviderFailure(ProviderFailureCode.ERROR, "Unipile repeated a page cursor")
                cursors_seen.add(cursor)
                params = {"limit": str(ACCOUNTS_PAGE_SIZE), "cursor": cursor}
            raise ProviderFailure(
                ProviderFailureCode.ERROR, f"Unipile listed more than {MAX_ACCOUNT_PAGES} pages of accounts"
            )
        except ProviderFailure as failure:
            if failure.code is ProviderFailureCode.AUTH_FAILED:
                logger.error("Unipile rejected the API key (%s); every call fails until it is replaced", failure)
            else:
                logger.warning("Listing the Unipile accounts failed: %s", failure)
            raise


def _account_page_from(body: bytes) -> tuple[list[ProviderAccount], str | None]:
    """One page of the account list and the cursor of the next, None on the last page."""
    document = document_of(body, "AccountList")
    items, cursor = document.get("items"), document.get("cursor")
    # An empty cursor is refused rather than read as the end: a page missed would mark accounts DELETED.
    if not isinstance(items, list) or not (cursor is None or (isinstance(cursor, str) and cursor)):
        raise ProviderFailure(ProviderFailureCode.ERROR, "Unipile answered an AccountList without items or cursor")
    return [_provider_account_from(item) for item in items], cursor


def _provider_account_from(item: object) -> ProviderAccount:
    """One listed account. Sources it cannot read are passed on as none, which leaves that account's
    status undetermined instead of failing the whole listing.

    An item without an id fails the listing: it cannot be told apart from the accounts it might
    stand for, and leaving it out would make one of them look deleted.
    """
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise ProviderFailure(ProviderFailureCode.ERROR, "Unipile listed an account without a usable id")
    sources = item.get("sources")
    if not isinstance(sources, list) or not all(
        isinstance(source, dict) and isinstance(source.get("status"), str) for source in sources
    ):
        logger.warning(
            "Unipile listed account %.64r with sources in a shape it does not document; its status is"
            " left undetermined",
            item["id"],
        )
        return ProviderAccount(provider_account_id=item["id"], source_statuses=())
    return ProviderAccount(
        provider_account_id=item["id"], source_statuses=tuple(source["status"] for source in sources)
    )
