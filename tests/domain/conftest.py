"""Shared fixtures for the domain tests: a fixed "now" in the center's zone and a school with a real timetable."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from dispatch_console.domain.enums import TargetKind
from dispatch_console.domain.sites import Site

CHICAGO = ZoneInfo("America/Chicago")
# Friday 10 April 2026, 09:00: two days before the seed story's "April 12" (a Sunday in 2026).
NOW = datetime(2026, 4, 10, 9, 0, tzinfo=CHICAGO)
EARLY_RELEASE_DAY = date(2026, 4, 15)  # a Wednesday


def make_site() -> Site:
    """A high school with dismissal at 15:10 Monday–Thursday, 14:00 on Friday, and one early-release day."""
    weekly = {0: time(15, 10), 1: time(15, 10), 2: time(15, 10), 3: time(15, 10), 4: time(14, 0)}
    return Site(
        site_id=7,
        name="Northview High School",
        kind=TargetKind.SCHOOL,
        address="1200 N Main St",
        division="Central",
        sro_unit="SRO-01",
        dismissal=weekly,
        early_release={EARLY_RELEASE_DAY: time(12, 30)},
        lunch=time(11, 45),
    )


@pytest.fixture
def site() -> Site:
    return make_site()


@pytest.fixture
def now() -> datetime:
    return NOW
