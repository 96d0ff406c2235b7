"""The check and the two authentications, over the hand-written fakes."""

from datetime import datetime, timedelta, timezone

import pytest

from domain import services
from domain.errors import (
    InvalidLinkedInProfileUrl,
    NoActiveLinkedInAccount,
    ProspectAccessDenied,
    ProspectHasNoLinkedInUrl,
    ProspectNotFound,
    ProviderFailure,
    ProviderFailureCode,
    RequestedAccountUnavailable,
    Unauthenticated,
)
from domain.model import MAX_ID, AccountStatus, CheckContext, ProfileRelationship, Provider
from domain.profile_url import LinkedInApi
from tests.fakes import FakeClock, FakeLinkedInProvider, FakeObservationStore, FakeProspectStore

NOON = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def store():
    return FakeProspectStore()


@pytest.fixture
def provider():
    return FakeLinkedInProvider()


@pytest.fixture
def workspace(store):
    return store.add_workspace("Acme")


def check(store, provider, workspace_id, prospect_id, account_id=None):
    return services.check_connection_status(
        workspace_id=workspace_id,
        context=store.check_lookup(prospect_id).context,
        requested_account=None if account_id is None else str(account_id),
        max_age=None,
        provider=provider,
        observations=FakeObservationStore(),
        clock=FakeClock(NOON),
        retention=timedelta(days=30),
    )


def test_first_degree_prospect_is_connected_from_the_default_account(store, provider, workspace):
    store.add_account(workspace.id, Provider.LINKEDIN, "later", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane-doe/")
    provider.answer("jane-doe", ProfileRelationship("FIRST_DEGREE"))

    status = check(store, provider, workspace.id, prospect.id)

    assert (status.is_connected, status.connection_level, status.network_distance) == (True, 1, "FIRST_DEGREE")
    [(account, profile)] = provider.calls
    assert account.provider_account_id == "later" and profile.value == "jane-doe"
    assert status.checked_with_account_id == account.id


def test_each_check_asks_the_provider_again(store, provider, workspace):
    store.add_account(workspace.id, Provider.LINKEDIN, "acc", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "linkedin.com/in/jane")
    provider.answer("jane", ProfileRelationship("SECOND_DEGREE"))
    assert not check(store, provider, workspace.id, prospect.id).is_connected
    provider.answer("jane", ProfileRelationship("FIRST_DEGREE"))
    assert check(store, provider, workspace.id, prospect.id).is_connected
    assert len(provider.calls) == 2


def test_sales_navigator_url_is_checked_through_sales_navigator(store, provider, workspace):
    store.add_account(workspace.id, Provider.LINKEDIN, "acc", AccountStatus.OK)
    prospect = store.add_prospect(
        workspace.id, "https://www.linkedin.com/sales/lead/ACwAABw-RqYBvR5Os6ZH,NAME_SEARCH,n7cD"
    )
    check(store, provider, workspace.id, prospect.id)
    [(_, profile)] = provider.calls
    assert (profile.value, profile.linkedin_api) == ("ACwAABw-RqYBvR5Os6ZH", LinkedInApi.SALES_NAVIGATOR)


@pytest.mark.parametrize("prospect_id", [0, -1, 999_999, MAX_ID, MAX_ID + 1, 2**200])
def test_unknown_prospect_is_not_found(store, provider, workspace, prospect_id):
    with pytest.raises(ProspectNotFound):
        check(store, provider, workspace.id, prospect_id)
    assert provider.calls == []


def test_prospect_of_another_workspace_is_denied_before_anything_else_about_it(store, provider, workspace):
    other = store.add_workspace("Other")
    prospect = store.add_prospect(other.id, None)  # no URL, no accounts: 403 still comes first
    with pytest.raises(ProspectAccessDenied):
        check(store, provider, workspace.id, prospect.id, account_id=12345)


@pytest.mark.parametrize("url", [None, "", "   \t"])
def test_prospect_without_a_url_is_refused_before_account_selection(store, provider, workspace, url):
    prospect = store.add_prospect(workspace.id, url)  # no accounts either: URL is checked first
    with pytest.raises(ProspectHasNoLinkedInUrl):
        check(store, provider, workspace.id, prospect.id)


def test_non_profile_url_is_refused_without_calling_the_provider(store, provider, workspace):
    store.add_account(workspace.id, Provider.LINKEDIN, "acc", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/company/acme/")
    with pytest.raises(InvalidLinkedInProfileUrl):
        check(store, provider, workspace.id, prospect.id)
    assert provider.calls == []


def test_workspace_without_an_active_linkedin_account(store, provider, workspace):
    store.add_account(workspace.id, Provider.LINKEDIN, "dead", AccountStatus.CREDENTIALS)
    store.add_account(workspace.id, Provider.WHATSAPP, "chat", AccountStatus.OK)
    other = store.add_workspace("Other")
    store.add_account(other.id, Provider.LINKEDIN, "theirs", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane/")
    with pytest.raises(NoActiveLinkedInAccount):
        check(store, provider, workspace.id, prospect.id)
    assert provider.calls == []


def test_requested_account_of_another_workspace_is_unavailable(store, provider, workspace):
    store.add_account(workspace.id, Provider.LINKEDIN, "ours", AccountStatus.OK)
    other = store.add_workspace("Other")
    theirs = store.add_account(other.id, Provider.LINKEDIN, "theirs", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane/")
    with pytest.raises(RequestedAccountUnavailable):
        check(store, provider, workspace.id, prospect.id, account_id=theirs.id)
    assert provider.calls == []


def test_requested_account_is_the_perspective_of_the_check(store, provider, workspace):
    store.add_account(workspace.id, Provider.LINKEDIN, "first", AccountStatus.OK)
    second = store.add_account(workspace.id, Provider.LINKEDIN, "second", AccountStatus.SYNC_SUCCESS)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane/")
    status = check(store, provider, workspace.id, prospect.id, account_id=second.id)
    assert status.checked_with_account_id == second.id
    assert provider.calls[0][0].provider_account_id == "second"


def test_provider_failure_passes_through_with_its_code(store, provider, workspace):
    store.add_account(workspace.id, Provider.LINKEDIN, "acc", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane/")
    provider.fail_with(ProviderFailure(ProviderFailureCode.RATE_LIMITED, retry_after=30))
    with pytest.raises(ProviderFailure) as failure:
        check(store, provider, workspace.id, prospect.id)
    assert (failure.value.code, failure.value.retry_after) == (ProviderFailureCode.RATE_LIMITED, 30)


def test_api_key_authenticates_its_workspace_until_revoked(store, workspace):
    record, key = services.issue_api_key(workspace.id, "ci", store=store)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane/")

    found, context = services.api_key_check(key, prospect.id, store=store)

    assert (found, found.workspace_id, context.prospect) == (record, workspace.id, prospect)
    assert services.api_key_check(f"  {key} ", prospect.id, store=store)[0] == record
    assert services.api_key_for(key, store=store) == record
    store.revoke_api_key(record.id)
    for authenticate in (
        lambda: services.api_key_check(key, prospect.id, store=store),
        lambda: services.api_key_for(key, store=store),
    ):
        with pytest.raises(Unauthenticated) as refused:
            authenticate()
        assert refused.value.reason == "Invalid API key"


def test_api_key_check_of_an_unknown_prospect_has_no_context(store, workspace):
    _, key = services.issue_api_key(workspace.id, None, store=store)
    assert services.api_key_check(key, 12345, store=store)[1] is None


@pytest.mark.parametrize("presented, reason", [(None, "Missing API key"), ("", "Missing API key"), ("  ", "Missing API key")])
def test_absent_api_key(store, presented, reason):
    for authenticate in (services.api_key_for, lambda key, store: services.api_key_check(key, 1, store=store)):
        with pytest.raises(Unauthenticated) as refused:
            authenticate(presented, store=store)
        assert refused.value.reason == reason


def test_wrong_secret_behind_a_real_prefix_is_invalid(store, workspace):
    _, key = services.issue_api_key(workspace.id, None, store=store)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane/")
    prefix = key.split(".")[0]
    for presented in [prefix + ".wrong-secret", "garbage", key + "x"]:
        with pytest.raises(Unauthenticated) as refused:
            services.api_key_check(presented, prospect.id, store=store)
        assert refused.value.reason == "Invalid API key"


def test_token_identity_must_name_an_existing_user(store, workspace):
    user = store.add_user(workspace.id, "ops@example.com")
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane/")
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc", AccountStatus.OK)

    assert services.user_check(str(user.id), prospect.id, store=store) == (
        user,
        CheckContext(prospect=prospect, accounts=(account,)),
    )
    for identity in [user.id, "999", "0", "-1", "abc", None, str(2**70), "١"]:
        with pytest.raises(Unauthenticated) as refused:
            services.user_check(identity, prospect.id, store=store)
        assert refused.value.reason == "Invalid or expired token"
