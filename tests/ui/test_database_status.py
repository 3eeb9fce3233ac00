"""The status bar names the database server in use; a banner says so while no server is writable."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from dispatch_console.db.engine import Database, open_database
from dispatch_console.ui.database_status import DatabaseStatus
from tests import pgserver


@pytest.fixture
def labels(qtbot: QtBot) -> tuple[QLabel, QLabel]:
    label, banner = QLabel("PostgreSQL configured"), QLabel()
    qtbot.addWidget(label)
    qtbot.addWidget(banner)
    return label, banner


@pytest.fixture
def nowhere() -> Iterator[Database]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = open_database(f"postgresql+psycopg://postgres@127.0.0.1:{port},127.0.0.1:{port}/dispatch"
                       "?target_session_attrs=read-write")
    yield db
    db.dispose()


@pytest.mark.postgres
def test_the_status_bar_names_the_writable_server(
    qtbot: QtBot, labels: tuple[QLabel, QLabel], pg_server: pgserver.PgServer,
) -> None:
    label, banner = labels
    url = pg_server.create_database()
    db = open_database(url.replace("127.0.0.1:", "127.0.0.1:1,127.0.0.1:") + "?target_session_attrs=read-write")
    status = DatabaseStatus(db, label, banner, interval_ms=60_000)
    with qtbot.waitSignal(status.changed, timeout=10_000) as seen:
        status.check()
    assert seen.args == [f"127.0.0.1:{pg_server.port}"]
    assert label.text() == f"PostgreSQL 127.0.0.1:{pg_server.port}/{db.url.database}"
    assert banner.isHidden()
    db.dispose()


def test_a_banner_says_the_typing_is_kept_while_no_server_is_writable(
    qtbot: QtBot, labels: tuple[QLabel, QLabel], nowhere: Database,
) -> None:
    label, banner = labels
    status = DatabaseStatus(nowhere, label, banner, interval_ms=60_000)
    with qtbot.waitSignal(status.changed, timeout=10_000) as seen:
        status.check()
    assert seen.args == [""]
    assert banner.text() == "Database unavailable — your typing is kept; retrying"
    assert not banner.isHidden()
    assert label.text() == "PostgreSQL configured"
