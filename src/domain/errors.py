"""One exception per way a check can fail; the HTTP edge maps each to the contract's status."""

from __future__ import annotations

import enum


class DomainError(Exception):
    """Base of every failure the contract names."""


class Unauthenticated(DomainError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidRequest(DomainError):
    """A request parameter is malformed; the message says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownWorkspace(DomainError):
    pass


class EmailAlreadyUsed(DomainError):
    """A workspace has at most one user per email address."""


class AccountAlreadyConnected(DomainError):
    """The workspace already has a connected account with this provider account id."""


class WebhooksNotConfigured(DomainError):
    """No webhook secret is configured, so no webhook can be authenticated."""


class StoreUnavailable(DomainError):
    """The database cannot be reached or has no connection free in time."""


class StoreNotMigrated(StoreUnavailable):
    """The database lacks a table or column this release uses: `db upgrade` was not run."""


class ProspectNotFound(DomainError):
    pass


class ProspectAccessDenied(DomainError):
    pass


class ProspectHasNoLinkedInUrl(DomainError):
    pass


class InvalidLinkedInProfileUrl(DomainError):
    pass


class NoActiveLinkedInAccount(DomainError):
    pass


class RequestedAccountUnavailable(DomainError):
    pass


class ProviderFailureCode(str, enum.Enum):
    TIMEOUT = "provider_timeout"
    UNREACHABLE = "provider_unreachable"
    RATE_LIMITED = "provider_rate_limited"
    ACCOUNT_DISCONNECTED = "provider_account_disconnected"
    PROFILE_NOT_FOUND = "provider_profile_not_found"
    AUTH_FAILED = "provider_auth_failed"
    ERROR = "provider_error"


class ProviderFailure(DomainError):
    """The LinkedIn provider could not answer; `retry_after` is in seconds when it said when to retry."""

    def __init__(
        self, code: ProviderFailureCode, detail: str = "", *, retry_after: int | None = None
    ) -> None:
        super().__init__(f"{code.value}: {detail}" if detail else code.value)
        self.code = code
        self.retry_after = retry_after


class AccountCoolingDown(ProviderFailure):
    """The provider rate-limited this account moments ago; it is not asked again before `retry_after`."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(ProviderFailureCode.RATE_LIMITED, "account cooling down", retry_after=retry_after)


class DailyLookupBudgetExhausted(DomainError):
    """The account spent today's LinkedIn lookups; `retry_after` is the seconds to the next UTC midnight."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class AccountThrottleUnavailable(Exception):
    """The shared per-account counters cannot be read or written; the account rules carry on without them."""
