"""CPU of a check's one lookup on PostgreSQL through each layer: where a check's database CPU goes.

    .venv/bin/python bench/lookup_layers.py [--postgres-url URL] [--lookups N] [--rounds R]

On a throwaway database seeded as `make bench` seeds it, runs the store's own lookup of a check
(`SqlProspectStore.check_lookup`: the API key, the prospect, its workspace's accounts), the same
statement through a store whose engine switches each checked-out connection to autocommit and back,
and the same SQL on one bare psycopg connection. Rounds alternate, and each figure is the
median of the rounds' CPU per lookup in this process (PostgreSQL's own work is not counted).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "bench")]

from adapters.sql_store import _CHECK_LOOKUP, SqlProspectStore, create_engine_for  # noqa: E402
from harness import cpu_per_call_in_rounds, seed, throwaway_database  # noqa: E402

# A prospect of workspace 1, whose key the seed names 000000000001.
PROSPECT_ID = 11


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with throwaway_database(args.postgres_url, "layers") as database_url:
        seed(database_url, workspaces=10, prospects=1000)
        measure(database_url, args)
    return 0


def measure(database_url: str, args: argparse.Namespace) -> None:
    url = make_url(database_url).set(drivername="postgresql+psycopg")
    store_engine = create_engine_for(url.render_as_string(hide_password=False))
    store = SqlProspectStore(store_engine)
    switching = SqlProspectStore(create_engine(url).execution_options(isolation_level="AUTOCOMMIT"))
    bare = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)
    sql = str(_CHECK_LOOKUP.compile(dialect=store_engine.dialect))
    parameters = {"prefix": "000000000001", "user_id": None, "prospect_id": PROSPECT_ID}

    def through_psycopg() -> object:
        with bare.cursor() as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchall()

    paths = {
        "the store (SQLAlchemy Core, connections kept in autocommit)": lambda: store.check_lookup(
            PROSPECT_ID, api_key_prefix="000000000001"
        ),
        "a store switching each connection to autocommit and back": lambda: switching.check_lookup(
            PROSPECT_ID, api_key_prefix="000000000001"
        ),
        "psycopg alone, one connection": through_psycopg,
    }
    figures = cpu_per_call_in_rounds(paths, rounds=args.rounds, calls=args.lookups)
    for name, values in figures.items():
        print(f"{statistics.median(values) * 1e6:7.0f} us CPU per lookup  {name}")
    bare.close()
    store_engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
