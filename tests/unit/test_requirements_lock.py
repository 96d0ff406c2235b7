"""requirements.lock, all that make install installs, pins every dependency pyproject.toml declares."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def declared(pyproject: Path) -> list[Requirement]:
    project = tomllib.loads(pyproject.read_text())["project"]
    return [Requirement(text) for text in project["dependencies"] + project["optional-dependencies"]["test"]]


def pinned(lock: Path) -> dict[str, set[str]]:
    """Each locked name and its versions: two where markers pin one per Python version."""
    pins: dict[str, set[str]] = {}
    for line in lock.read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            requirement = Requirement(line.removesuffix("\\").strip())
            pins.setdefault(canonicalize_name(requirement.name), set()).update(
                spec.version for spec in requirement.specifier
            )
    return pins


def unlocked(pyproject: Path, lock: Path) -> list[str]:
    """The declared requirements that no pinned version satisfies: make install would miss them."""
    pins = pinned(lock)
    return [
        str(requirement)
        for requirement in declared(pyproject)
        if not any(requirement.specifier.contains(version, prereleases=True)
                   for version in pins.get(canonicalize_name(requirement.name), ()))
    ]


def test_the_lock_pins_every_runtime_and_test_dependency():
    assert unlocked(ROOT / "pyproject.toml", ROOT / "requirements.lock") == [], (
        "pyproject.toml declares what requirements.lock does not pin: run make lock"
    )


def test_a_dependency_added_or_raised_without_relocking_is_caught(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        (ROOT / "pyproject.toml").read_text()
        .replace('"flask~=3.1",', '"flask~=3.1", "httpx~=0.28",')
        .replace('"responses~=0.25",', '"responses>=99",')
    )
    assert unlocked(pyproject, ROOT / "requirements.lock") == ["httpx~=0.28", "responses>=99"]
