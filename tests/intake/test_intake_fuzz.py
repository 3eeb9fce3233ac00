"""Hostile input through the service, on SQLite and PostgreSQL: never a crash, never a corrupted record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dispatch_console.db.engine import Database
from dispatch_console.db.models import SuspectRow, ThreatRow
from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.domain.validation import LIMITS, SUSPECT_LIMITS, clean_text
from dispatch_console.services import audit, intake
from dispatch_console.services.actor import Actor
from dispatch_console.ui.intake.fields import parse_age, parse_birth_date
from tests.intake.conftest import CENTER, NOW
from tests.intake.fuzz import batch

SERVICE_BATCH = batch(200, seed=412)


def test_a_fuzzed_batch_through_the_service_is_saved_cleanly_or_refused_with_messages(
    db: Database, call_taker: Actor
) -> None:
    saved = refused = 0
    for index, text in enumerate(SERVICE_BATCH):
        data = ThreatInput(
            caller_name=text, callback_number=text if index % 4 == 0 else "", evidence=text, target_name=text,
            target_address=text[::-1], named_persons=text, threatened_text=text[:250], statement=text,
            narrative=text,
            threatened_at=NOW - timedelta(days=index % 5) if index % 2 else None,  # times in the past, too
            suspects=[SuspectInput(name=text, school=text, grade=text[:20], description=text, social_handles=text,
                                   age=5 + index % 20 if index % 3 else None,
                                   date_of_birth=None if index % 3 else date(2010, 2, 28))],
        )
        with db.read() as session:
            before = session.execute(select(func.count()).select_from(ThreatRow)).scalar()
        try:
            with db.write() as session:
                result = intake.save_threat(session, actor=call_taker, data=data, now=NOW, tz=CENTER)
        except intake.ValidationFailed as refusal:
            refused += 1
            assert refusal.errors and all(message.strip() for message in refusal.errors.values())
            with db.read() as session:
                assert session.execute(select(func.count()).select_from(ThreatRow)).scalar() == before
            continue
        saved += 1
        with db.read() as session:
            row = session.get(ThreatRow, result.threat_id)
            assert row is not None
            for name in ("caller_name", "evidence", "target_name", "named_persons", "statement", "narrative"):
                assert getattr(row, name) == clean_text(getattr(data, name), LIMITS[name]), name
            suspect = session.execute(select(SuspectRow).where(SuspectRow.threat_id == row.id)).scalars().all()
            for s in suspect:
                for name, limit in SUSPECT_LIMITS.items():
                    assert getattr(s, name) == clean_text(getattr(data.suspects[0], name), limit)
    assert saved + refused == len(SERVICE_BATCH)
    assert saved > 0 and refused > 0
    with db.read() as session:
        assert audit.verify(session) is None
        assert session.execute(select(func.count()).select_from(ThreatRow)).scalar() == saved
    print(f"service fuzz: {len(SERVICE_BATCH)} inputs, {saved} saved, {refused} refused with messages")


@pytest.mark.parametrize("text", ["2/30/2010", "13/1/2010", "0/0/0", "4/31/2009", "02/29/2023", "🎂", "1e3", "١٥"])
def test_impossible_birth_dates_and_ages_are_explained_not_guessed(text: str) -> None:
    with pytest.raises(ValueError, match=r"month/day/year|is not an age"):
        parse_birth_date(text, today=NOW.date()) if "/" in text else parse_age(text)


def test_real_birth_dates_are_read_month_first() -> None:
    assert parse_birth_date("4/12/09", today=NOW.date()) == date(2009, 4, 12)
    assert parse_birth_date("2/29/2008", today=NOW.date()) == date(2008, 2, 29)
    assert parse_birth_date("1995-07-01", today=NOW.date()) == date(1995, 7, 1)
    assert parse_age(" 15 ") == 15 and parse_age("") is None
