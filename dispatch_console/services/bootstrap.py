"""Getting a database ready at start-up: migrate, then (training only) load demo operators and sites."""

from __future__ import annotations

from dispatch_console.db import migrate
from dispatch_console.db.engine import Database
from dispatch_console.resources import resource
from dispatch_console.services import operators, sites
from dispatch_console.services.actor import SYSTEM

DEMO_SITES = resource("demo", "sites.csv")


def prepare(db: Database, *, training: bool) -> None:
    """Upgrade the schema to the newest revision; in training mode make sure the demo city exists.

    A database that was used for training and is then connected to a live backend keeps its data, but the demo
    operators (their passwords are printed on the sign-in screen) are disabled until training mode comes back.
    """
    migrate.bring_up_to_date(db)  # a new SQLite file from the shipped snapshot, Alembic only when needed
    if not training:
        with db.write() as session:
            operators.disable_demo_operators(session)
        return
    with db.write() as session:
        operators.ensure_demo_operators(session)
        if sites.count_sites(session) == 0 and DEMO_SITES.exists():
            sites.import_csv(session, actor=SYSTEM, text=DEMO_SITES.read_text(encoding="utf-8"), source="demo")
