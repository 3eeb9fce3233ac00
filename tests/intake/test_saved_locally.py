"""No writable database (a failover, an outage): the call-taker still saves, and the reports are filed later, in order."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from dispatch_console.db.engine import Database, open_database
from dispatch_console.domain.enums import TargetKind, Weapon
from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.services import audit, local_drafts
from dispatch_console.services.actor import Actor
from dispatch_console.services.local_drafts import PendingStore, SavedLocally, save_or_keep

NOW = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)


@pytest.fixture
def no_server() -> Iterator[Database]:
    """A PostgreSQL URL where nothing listens: what every console sees while no server is writable."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = open_database(f"postgresql+psycopg://postgres@127.0.0.1:{port}/dispatch")
    yield db
    db.dispose()


def _report(n: int) -> ThreatInput:
    return ThreatInput(target_kind=TargetKind.SCHOOL, target_name="Lincoln High School", target_address="1 Main St",
                       division="Central", statement=f"report {n}: said they will bring a gun after school",
                       weapons=frozenset({Weapon.FIREARM}),
                       suspects=[SuspectInput(name="J. Doe", date_of_birth=date(2010, 5, 1), grade="10")])


def _save(db: Database, store: PendingStore, actor: Actor, n: int) -> str:
    try:
        return save_or_keep(db, store, actor=actor, data=_report(n), now=NOW, tz=UTC).case_number
    except SavedLocally as kept:
        return str(kept)


def test_reports_saved_during_an_outage_are_filed_in_order_when_the_database_is_back(
    no_server: Database, sqlite_db: Database, call_taker: Actor, console_home: Path,
) -> None:
    store = local_drafts.default_store()
    assert store.path.parent == console_home / "config"  # beside settings.json

    assert _save(no_server, store, call_taker, 1) == "Saved locally, will be filed when the database is back."
    assert _save(no_server, store, call_taker, 2) == "Saved locally, will be filed when the database is back."
    assert [p.data for p in store.pending()] == [_report(1), _report(2)]  # everything typed, exactly

    assert _save(sqlite_db, store, call_taker, 3) == "TT-2026-00003"
    with sqlite_db.read() as session:
        filed = session.execute(sa.text("SELECT case_number, statement FROM threats ORDER BY id")).all()
        assert audit.verify(session) is None
    assert [(number, statement.split(":")[0]) for number, statement in filed] == [
        ("TT-2026-00001", "report 1"), ("TT-2026-00002", "report 2"), ("TT-2026-00003", "report 3")]
    assert store.pending() == []


def test_a_report_filed_just_before_a_crash_is_not_filed_again(
    no_server: Database, sqlite_db: Database, call_taker: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = PendingStore(tmp_path / "pending-reports.db")
    _save(no_server, store, call_taker, 1)
    monkeypatch.setattr(PendingStore, "remove", lambda self, local_id: (_ for _ in ()).throw(OSError("crash")))
    with pytest.raises(OSError, match="crash"):
        local_drafts.file_pending(store, sqlite_db, actor_for=lambda _r: call_taker, now=lambda: NOW, tz=UTC)
    monkeypatch.undo()

    assert local_drafts.file_pending(store, sqlite_db, actor_for=lambda _r: call_taker, now=lambda: NOW, tz=UTC) == []
    with sqlite_db.read() as session:
        assert session.execute(sa.text("SELECT count(*) FROM threats")).scalar_one() == 1
    assert store.pending() == []


def test_the_call_taker_saves_during_an_outage_with_ctrl_s_and_the_report_is_filed_first_when_the_server_is_back(
    qtbot, make_console, no_server: Database,  # type: ignore[no-untyped-def]
) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from tests.intake import keyboard
    from tests.intake.test_intake_form import _open, _threats

    console, tab = _open(qtbot, make_console)
    reachable = console.ctx.db
    console.ctx.db = no_server  # the primary died; the standby is not promoted yet
    qtbot.keyClick(console.window, Qt.Key.Key_F2)
    keyboard.play(keyboard.APRIL_12)
    qtbot.waitUntil(lambda: "Saved locally" in tab.status.text(), timeout=15_000)
    assert tab.status.text() == "Saved locally, will be filed when the database is back. Ready for the next call."
    assert tab.is_blank() and QApplication.focusWidget() is tab.caller_name  # the next call can be taken

    console.ctx.db = reachable  # promoted: the next save files the kept report first
    with qtbot.waitSignal(tab.saved, timeout=15_000) as saved:
        keyboard.play(keyboard.APRIL_12)
    assert saved.args[0].case_number == "TT-2027-00002"
    assert [(row.case_number, row.statement) for row in _threats(console)] == [
        ("TT-2027-00001", keyboard.STATEMENT), ("TT-2027-00002", keyboard.STATEMENT)]
