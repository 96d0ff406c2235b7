"""What the new_relation webhook and the relations import change in the answers of the check route."""

from datetime import datetime, timezone

import pytest

from domain.model import ProfileRelationship
from domain.relations import Relation
from entrypoints.app import create_app
from entrypoints.bootstrap import Services
from tests.e2e.conftest import JWT_SECRET
from tests.e2e.test_new_relation_webhook import new_relation
from tests.e2e.test_webhooks import SECRET, post
from tests.fakes import FakeClock, FakeLinkedInRelations

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=timezone.utc)
JANE = Relation("ACoAAAcDMMQBODyLwZrRcgYhrkCafURGqva0U4E", "jane-doe-4a1b2c3")  # the world's prospect
SOMEONE_ELSE = Relation("ACoAABBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", "john-roe")


@pytest.fixture
def clock():
    return FakeClock(NOW)


@pytest.fixture
def relations():
    return FakeLinkedInRelations()


@pytest.fixture
def app(world, clock, relations):
    services = Services(
        store=world.store, provider=world.provider, observations=world.observations, relations=relations, clock=clock
    )
    return create_app({"JWT_SECRET_KEY": JWT_SECRET, "TESTING": True, "UNIPILE_WEBHOOK_SECRET": SECRET}, services=services)


def check(app, world, max_age):
    response = app.test_client().get(
        f"/api/v1/public/prospects/{world.prospect_id}/connection-status/",
        query_string={"max_age": max_age},
        headers={"X-API-Key": world.api_key},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_after_the_webhook_a_check_with_max_age_answers_connected_without_asking_linkedin(app, world, clock):
    world.provider.default = ProfileRelationship(network_distance="SECOND_DEGREE")
    assert check(app, world, 3600)["connection_status"] == "not_connected"
    clock.advance(600)

    post(app.test_client(), "/api/v1/webhooks/unipile/new-relation/", new_relation(
        user_provider_id=JANE.member_id, user_public_identifier=JANE.public_identifier
    ))
    clock.advance(60)
    answer = check(app, world, 3600)

    assert (answer["connection_status"], answer["is_connected"], answer["connection_level"]) == ("connected", True, 1)
    assert (answer["network_distance"], answer["source"], answer["checked_at"]) == (
        "FIRST_DEGREE", "stored", "2026-12-05T09:40:00Z"
    )
    assert len(world.provider.calls) == 1


def test_after_an_import_a_listed_prospect_is_answered_from_it(app, world, relations):
    relations.pages = [(SOMEONE_ELSE, JANE)]
    app.test_cli_runner().invoke(args=["relations", "import", "--account", str(world.account_id)])

    answer = check(app, world, 3600)

    assert (answer["connection_status"], answer["source"]) == ("connected", "stored")
    assert world.provider.calls == []


def test_a_prospect_absent_from_the_imported_relations_is_still_looked_up_live(app, world, relations):
    world.provider.default = ProfileRelationship(network_distance="FIRST_DEGREE")
    relations.pages = [(SOMEONE_ELSE,)]
    result = app.test_cli_runner().invoke(args=["relations", "import", "--account", str(world.account_id)])
    assert result.exit_code == 0, result.output

    answer = check(app, world, 3600)

    assert (answer["connection_status"], answer["source"]) == ("connected", "live")
    assert len(world.provider.calls) == 1
