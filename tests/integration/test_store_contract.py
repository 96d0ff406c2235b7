"""The ProspectStore contract, run against the fake and the SQL store on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from domain.errors import AccountAlreadyConnected, EmailAlreadyUsed, UnknownWorkspace
from domain.model import MAX_ID, AccountStatus, CheckContext, CheckLookup, Provider, Workspace
from domain.ports import ProspectStore
from tests.fakes import FakeProspectStore

SQL_STORE_FIXTURES = {"sqlite": "sqlite_store", "postgresql": "pg_store"}
IDS_BEYOND_64_BITS = [MAX_ID + 1, 2**64, -(2**63) - 1, 10**30]


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request) -> ProspectStore:
    if request.param == "fake":
        return FakeProspectStore()
    return request.getfixturevalue(SQL_STORE_FIXTURES[request.param])


def test_check_lookup_holds_the_prospect_and_exactly_its_workspace_accounts_by_id(store):
    ours = store.add_workspace("Ours")
    theirs = store.add_workspace("Theirs")
    first = store.add_account(ours.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    store.add_account(theirs.id, Provider.LINKEDIN, "acc-theirs", AccountStatus.OK)
    second = store.add_account(ours.id, Provider.WHATSAPP, "acc-2", AccountStatus.STOPPED)
    third = store.add_account(ours.id, Provider.LINKEDIN, "acc-3", AccountStatus.CREDENTIALS)
    prospect = store.add_prospect(ours.id, "https://www.linkedin.com/in/jane-doe")
    store.add_prospect(theirs.id, "https://www.linkedin.com/in/john-doe")

    assert store.check_lookup(prospect.id).context == CheckContext(
        prospect=prospect, accounts=(first, second, third)
    )


def test_check_lookup_of_a_workspace_without_accounts_has_no_accounts(store):
    workspace = store.add_workspace("Empty")
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane-doe")

    assert store.check_lookup(prospect.id).context == CheckContext(prospect=prospect, accounts=())


def test_check_lookup_finds_the_caller_and_the_prospect_each_on_its_own(store):
    ours = store.add_workspace("Ours")
    theirs = store.add_workspace("Theirs")
    our_account = store.add_account(ours.id, Provider.LINKEDIN, "acc-ours", AccountStatus.OK)
    their_account = store.add_account(theirs.id, Provider.LINKEDIN, "acc-theirs", AccountStatus.OK)
    our_prospect = store.add_prospect(ours.id, "https://www.linkedin.com/in/jane-doe")
    their_prospect = store.add_prospect(theirs.id, "https://www.linkedin.com/in/john-doe")
    key = store.add_api_key(ours.id, None, "a1b2c3d4e5f6", "hash")
    revoked = store.revoke_api_key(store.add_api_key(ours.id, None, "0f0f0f0f0f0f", "hash-2").id)
    user = store.add_user(ours.id, "ada@example.com")
    ours_context = CheckContext(prospect=our_prospect, accounts=(our_account,))
    # The prospect's own workspace's accounts, whoever asks: the check refuses a foreign one.
    theirs_context = CheckContext(prospect=their_prospect, accounts=(their_account,))

    assert store.check_lookup(our_prospect.id, api_key_prefix=key.prefix) == CheckLookup(
        ours_context, api_key=key
    )
    assert store.check_lookup(their_prospect.id, user_id=user.id) == CheckLookup(
        theirs_context, user=user
    )
    assert store.check_lookup(our_prospect.id, api_key_prefix=revoked.prefix).api_key == revoked
    assert store.check_lookup(our_prospect.id, api_key_prefix="ffffffffffff") == CheckLookup(ours_context)
    assert store.check_lookup(our_prospect.id, user_id=user.id + 1000) == CheckLookup(ours_context)
    assert store.check_lookup(0, api_key_prefix=key.prefix) == CheckLookup(None, api_key=key)
    assert store.check_lookup(their_prospect.id) == CheckLookup(theirs_context)
    for unstorable_prefix in ["a1b2c3\x00d4e5f6", "\ud800"]:
        assert store.check_lookup(our_prospect.id, api_key_prefix=unstorable_prefix).api_key is None


@pytest.mark.parametrize("huge_id", IDS_BEYOND_64_BITS)
def test_check_lookup_with_ids_beyond_64_bits_finds_nothing_for_them(store, huge_id):
    workspace = store.add_workspace("Acme")
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane-doe")
    user = store.add_user(workspace.id, "ada@example.com")

    assert store.check_lookup(huge_id, user_id=user.id) == CheckLookup(None, user=user)
    assert store.check_lookup(prospect.id, user_id=huge_id).user is None


@pytest.mark.parametrize("unknown_id", [0, -1, MAX_ID])
def test_lookups_of_unknown_ids_answer_none(store, unknown_id):
    workspace = store.add_workspace("Acme")
    store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane-doe")

    assert store.check_lookup(unknown_id).context is None
    assert store.user(unknown_id) is None
    assert store.revoke_api_key(unknown_id) is None
    assert store.set_account_status(unknown_id, AccountStatus.OK) is None
    assert store.workspace(unknown_id) is None
    assert store.accounts_of_workspace(unknown_id) == ()


@pytest.mark.parametrize("huge_id", IDS_BEYOND_64_BITS)
def test_ids_beyond_64_bits_name_nothing(store, huge_id):
    assert store.check_lookup(huge_id).context is None
    assert store.user(huge_id) is None
    assert store.revoke_api_key(huge_id) is None
    assert store.set_account_status(huge_id, AccountStatus.OK) is None
    assert store.workspace(huge_id) is None
    assert store.accounts_of_workspace(huge_id) == ()
    with pytest.raises(UnknownWorkspace):
        store.add_prospect(huge_id, None)


def test_api_key_is_found_by_its_exact_prefix(store):
    workspace = store.add_workspace("Acme")
    named = store.add_api_key(workspace.id, "ci", "a1b2c3d4e5f6", "hash-1")
    unnamed = store.add_api_key(workspace.id, None, "0f0f0f0f0f0f", "hash-2")

    assert store.api_key_by_prefix("a1b2c3d4e5f6") == named
    assert store.api_key_by_prefix("0f0f0f0f0f0f") == unnamed
    assert (named.workspace_id, named.name, named.secret_hash, named.revoked) == (
        workspace.id,
        "ci",
        "hash-1",
        False,
    )
    assert unnamed.name is None


@pytest.mark.parametrize(
    "prefix",
    ["ffffffffffff", "A1B2C3D4E5F6", "a1b2c3d4e5f", "", "a1b2\x00c3d4e5f6", "a1b2\ud800c3d4e5f"],
    ids=["other", "upper-case", "shorter", "empty", "nul", "lone-surrogate"],
)
def test_api_key_lookup_of_any_other_text_answers_none(store, prefix):
    workspace = store.add_workspace("Acme")
    store.add_api_key(workspace.id, None, "a1b2c3d4e5f6", "hash")

    assert store.api_key_by_prefix(prefix) is None


def test_revoking_a_key_is_seen_by_the_next_lookup_and_can_be_repeated(store):
    workspace = store.add_workspace("Acme")
    key = store.add_api_key(workspace.id, "ci", "a1b2c3d4e5f6", "hash-1")
    other = store.add_api_key(workspace.id, None, "0f0f0f0f0f0f", "hash-2")

    revoked = store.revoke_api_key(key.id)

    assert revoked is not None and revoked.revoked
    assert (revoked.id, revoked.prefix, revoked.secret_hash) == (key.id, key.prefix, "hash-1")
    assert store.api_key_by_prefix(key.prefix) == revoked
    assert store.revoke_api_key(key.id) == revoked
    assert store.api_key_by_prefix(other.prefix) == other


def test_user_is_found_by_id(store):
    workspace = store.add_workspace("Acme")
    user = store.add_user(workspace.id, "ada@example.com")
    store.add_user(workspace.id, "grace@example.com")

    assert store.user(user.id) == user
    assert (user.workspace_id, user.email) == (workspace.id, "ada@example.com")


def test_an_email_is_used_once_per_workspace(store):
    acme = store.add_workspace("Acme")
    other = store.add_workspace("Other")
    store.add_user(acme.id, "ada@example.com")

    with pytest.raises(EmailAlreadyUsed):
        store.add_user(acme.id, "ada@example.com")
    assert store.add_user(other.id, "ada@example.com").workspace_id == other.id


@pytest.mark.parametrize(
    "write",
    [
        lambda store, workspace_id: store.add_api_key(workspace_id, None, "a1b2c3d4e5f6", "hash"),
        lambda store, workspace_id: store.add_user(workspace_id, "ada@example.com"),
        lambda store, workspace_id: store.add_account(
            workspace_id, Provider.LINKEDIN, "acc-1", AccountStatus.OK
        ),
        lambda store, workspace_id: store.add_prospect(workspace_id, None),
    ],
    ids=["api_key", "user", "account", "prospect"],
)
def test_writes_naming_an_unknown_workspace_raise_unknown_workspace(store, write):
    workspace = store.add_workspace("Acme")

    with pytest.raises(UnknownWorkspace):
        write(store, workspace.id + 1000)
    # Nothing half-written: the same write succeeds once it names a real workspace.
    write(store, workspace.id)


def test_account_status_change_is_seen_by_the_next_check(store):
    workspace = store.add_workspace("Acme")
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    other = store.add_account(workspace.id, Provider.LINKEDIN, "acc-2", AccountStatus.OK)
    prospect = store.add_prospect(workspace.id, "https://www.linkedin.com/in/jane-doe")

    updated = store.set_account_status(account.id, AccountStatus.CREDENTIALS)

    assert updated is not None
    assert (updated.id, updated.workspace_id, updated.provider, updated.provider_account_id) == (
        account.id,
        workspace.id,
        Provider.LINKEDIN,
        "acc-1",
    )
    assert updated.status is AccountStatus.CREDENTIALS and not updated.can_check_linkedin
    assert store.check_lookup(prospect.id).context.accounts == (updated, other)


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "https://www.linkedin.com/in/j%C3%BCrgen-m%C3%BCller",
        "https://www.linkedin.com/in/jürgen-müller-雅-😀",
        "https://www.linkedin.com/in/" + "a" * 2000,
    ],
    ids=["null", "empty", "percent-encoded", "unicode", "long"],
)
def test_prospect_url_round_trips_unchanged(store, url):
    workspace = store.add_workspace("Acme")

    prospect = store.add_prospect(workspace.id, url)

    assert prospect.linkedin_profile_url == url
    assert store.check_lookup(prospect.id).context.prospect == prospect


def test_workspace_is_found_by_id(store):
    acme = store.add_workspace("Acme")
    store.add_workspace("Other")

    assert store.workspace(acme.id) == acme == Workspace(id=acme.id, name="Acme")


def test_accounts_of_workspace_are_exactly_its_own_by_id(store):
    ours = store.add_workspace("Ours")
    theirs = store.add_workspace("Theirs")
    first = store.add_account(ours.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    store.add_account(theirs.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)
    second = store.add_account(ours.id, Provider.WHATSAPP, "acc-2", AccountStatus.DELETED)

    assert store.accounts_of_workspace(ours.id) == (first, second)
    assert store.accounts_of_workspace(store.add_workspace("Empty").id) == ()


def test_accounts_with_a_provider_account_id_are_found_in_every_workspace_by_id(store):
    ours = store.add_workspace("Ours")
    theirs = store.add_workspace("Theirs")
    first = store.add_account(ours.id, Provider.LINKEDIN, "t5XY4yQzR9WVrlNFyzPMhw", AccountStatus.OK)
    store.add_account(ours.id, Provider.LINKEDIN, "other", AccountStatus.OK)
    second = store.add_account(theirs.id, Provider.LINKEDIN, "t5XY4yQzR9WVrlNFyzPMhw", AccountStatus.STOPPED)

    assert store.accounts_with_provider_account_id("t5XY4yQzR9WVrlNFyzPMhw") == (first, second)


@pytest.mark.parametrize(
    "provider_account_id",
    ["T5XY4YQZR9WVRLNFYZPMHW", "t5XY4yQzR9WVrlNFyzPMh", "t5XY4yQzR9WVrlNFyzPMhw ", "", "t5XY\x00", "t5XY\ud800"],
    ids=["other-case", "prefix", "trailing-space", "empty", "nul", "lone-surrogate"],
)
def test_accounts_with_any_other_provider_account_id_are_none(store, provider_account_id):
    workspace = store.add_workspace("Acme")
    store.add_account(workspace.id, Provider.LINKEDIN, "t5XY4yQzR9WVrlNFyzPMhw", AccountStatus.OK)

    assert store.accounts_with_provider_account_id(provider_account_id) == ()


def test_an_account_is_found_by_its_own_id_only(store):
    workspace = store.add_workspace("Acme")
    store.add_account(workspace.id, Provider.LINKEDIN, "acc-0", AccountStatus.OK)
    account = store.add_account(workspace.id, Provider.LINKEDIN, "acc-1", AccountStatus.STOPPED)

    assert store.account(account.id) == account
    assert store.account(account.id + 1) is None
    assert store.account(2**63) is None  # beyond any id: no row, not a database error


def test_a_workspace_holds_a_provider_account_id_once(store):
    ours = store.add_workspace("Ours")
    theirs = store.add_workspace("Theirs")
    account = store.add_account(ours.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK)

    with pytest.raises(AccountAlreadyConnected):
        store.add_account(ours.id, Provider.LINKEDIN, "acc-1", AccountStatus.RECONNECTED)

    assert store.accounts_of_workspace(ours.id) == (account,)
    # Another workspace may connect the same provider account.
    assert store.add_account(theirs.id, Provider.LINKEDIN, "acc-1", AccountStatus.OK).workspace_id == theirs.id


def test_a_reachable_store_is_ready(store):
    store.check_ready()
