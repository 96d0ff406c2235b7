"""Start-up refuses missing or unsafe settings with a message that names the variable."""

import pytest

from entrypoints.app import create_app
from entrypoints.bootstrap import ConfigurationError, Services
from tests.e2e.conftest import JWT_SECRET
from tests.fakes import FakeLinkedInProvider, FakeProspectStore


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("JWT_SECRET_KEY", "DATABASE_URL", "LINKEDIN_PROVIDER", "UNIPILE_DSN", "UNIPILE_API_KEY",
                 "UNIPILE_TIMEOUT_SECONDS", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)


def fakes():
    return Services(store=FakeProspectStore(), provider=FakeLinkedInProvider())


def test_missing_jwt_secret_is_named_even_when_flask_has_a_secret_key():
    with pytest.raises(ConfigurationError, match="JWT_SECRET_KEY"):
        create_app({"SECRET_KEY": "x" * 64}, services=fakes())


def test_short_jwt_secret_is_refused():
    with pytest.raises(ConfigurationError, match="JWT_SECRET_KEY must be at least 32 bytes"):
        create_app({"JWT_SECRET_KEY": "x" * 31}, services=fakes())


def test_environment_is_read_at_start_up(monkeypatch):
    monkeypatch.setenv("JWT_SECRET_KEY", JWT_SECRET)
    monkeypatch.setenv("UNIPILE_TIMEOUT_SECONDS", "4.5")
    app = create_app(services=fakes())
    assert app.config["UNIPILE_TIMEOUT_SECONDS"] == "4.5"


@pytest.mark.parametrize("timeout", ["0", "-1", "abc", "nan", "inf", "61"])
def test_unusable_provider_timeout_is_refused(timeout):
    with pytest.raises(ConfigurationError, match="UNIPILE_TIMEOUT_SECONDS"):
        create_app({"JWT_SECRET_KEY": JWT_SECRET, "UNIPILE_TIMEOUT_SECONDS": timeout}, services=fakes())


@pytest.mark.parametrize("missing", ["UNIPILE_DSN", "UNIPILE_API_KEY"])
def test_unipile_provider_needs_its_settings(missing, tmp_path):
    config = {
        "JWT_SECRET_KEY": JWT_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
        "UNIPILE_DSN": "api8.unipile.com:13851",
        "UNIPILE_API_KEY": "key",
    }
    del config[missing]
    with pytest.raises(ConfigurationError, match=missing):
        create_app(config)


def test_unknown_provider_kind_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="LINKEDIN_PROVIDER"):
        create_app(
            {"JWT_SECRET_KEY": JWT_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite", "LINKEDIN_PROVIDER": "magic"}
        )
