"""Shared pieces for the intake stories: the demo city in the database, a fixed clock, a ready-made report."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest

from dispatch_console.db.engine import Database
from dispatch_console.domain.enums import Indicator, TargetKind, Weapon
from dispatch_console.domain.sites import Site
from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.services import sites
from dispatch_console.services.actor import SYSTEM
from dispatch_console.services.bootstrap import DEMO_SITES
from tests.ui.conftest import make_console

CENTER: tzinfo = ZoneInfo("America/Chicago")
# Sunday 11 April 2027, 09:00: the day before the seed story's "April 12" (a Monday in 2027, a school day).
NOW = datetime(2027, 4, 11, 9, 0, tzinfo=CENTER)

__all__ = ["CENTER", "NOW", "april_12", "make_console"]  # make_console: the UI suite's console fixture, shared


@pytest.fixture(autouse=True)
def only_the_intake_tab(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console under test builds the intake tab only: these stories are about it, and stay fast."""
    from dispatch_console import app

    monkeypatch.setattr(app, "WORKSPACE_TABS", [t for t in app.WORKSPACE_TABS if t[0] == "Intake"])


@pytest.fixture
def city(db: Database) -> dict[str, Site]:
    """The demo city's site directory, loaded into the database under test; sites by name."""
    with db.write() as session:
        sites.import_csv(session, actor=SYSTEM, text=DEMO_SITES.read_text(encoding="utf-8"), source="demo")
    with db.read() as session:
        return {site.name: site for site in sites.all_sites(session)}


def april_12(site: Site, **changes: object) -> ThreatInput:
    """The seed story: students will bring a gun after school on April 12 (already parsed, as the form does)."""
    data = ThreatInput(
        target_kind=TargetKind.SCHOOL,
        site_id=site.site_id,
        target_name=site.name,
        target_address=site.address,
        division=site.division,
        threatened_text="4/12 after school",
        threatened_at=datetime(2027, 4, 12, 15, 10, tzinfo=CENTER),
        statement="Two students said they will bring a gun after school on April 12 to confront other students.",
        weapons=frozenset({Weapon.FIREARM}),
        indicators=frozenset({Indicator.SPECIFIC_TARGET, Indicator.SPECIFIC_TIME}),
        suspects=[SuspectInput(description="student, 11th grade"), SuspectInput(description="student")],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data
