"""The domain stays plain Python: no framework, database, HTTP client, environment or adapter."""

import ast
from pathlib import Path

import domain

FORBIDDEN_ROOTS = {"flask", "flask_jwt_extended", "werkzeug", "sqlalchemy", "alembic", "requests",
                   "urllib3", "psycopg", "redis", "prometheus_client", "limits", "gunicorn",
                   "adapters", "entrypoints", "os", "src"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_modules_import_no_framework_adapter_or_environment():
    domain_dir = Path(domain.__file__).parent
    modules = sorted(domain_dir.rglob("*.py"))
    assert len(modules) >= 5
    offenders = {
        str(path.relative_to(domain_dir)): sorted(imported_roots(path) & FORBIDDEN_ROOTS)
        for path in modules
        if imported_roots(path) & FORBIDDEN_ROOTS
    }
    assert offenders == {}


def test_the_guard_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom sqlalchemy import select\nfrom domain.model import Prospect\n")
    assert imported_roots(sample) & FORBIDDEN_ROOTS == {"os", "sqlalchemy"}
