"""Admin → Import site directory reads the file as the spreadsheet saved it, like ``import-sites`` does.

The window read every file as UTF-8: Excel's plain "CSV" (Windows-1252) failed with a decoding error and
"Unicode text" (UTF-16) with a confusing header complaint.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from dispatch_console.services import sites
from tests.ui.conftest import sign_in

CSV = "name,kind,address,division\nSainte-Thérèse École,school,12 Rue Café,North\n"


def _answer(qtbot: QtBot, console) -> str:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    def shown() -> list[QMessageBox]:
        return [w for w in console.window.children() if isinstance(w, QMessageBox) and w.isVisible()]

    qtbot.waitUntil(lambda: len(shown()) == 1, timeout=10_000)
    return shown()[0].text()


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_the_admin_imports_what_excel_saved(encoding: str, qtbot: QtBot, make_console, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console, "admin", "training-ad")
    district = tmp_path / "district.csv"
    district.write_bytes(CSV.encode(encoding))
    console.admin_actions.import_sites(str(district))
    assert _answer(qtbot, console) == "Imported 1 site from district.csv."
    with console.db.read() as session:
        assert "Sainte-Thérèse École" in [site.name for site in sites.all_sites(session)]


def test_a_file_that_cannot_be_read_is_one_sentence(qtbot: QtBot, make_console, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    console = make_console()
    sign_in(qtbot, console, "admin", "training-ad")
    district = tmp_path / "district.csv"
    district.write_bytes(CSV.encode("utf-16-le"))  # no byte-order mark: the encoding cannot be known
    console.admin_actions.import_sites(str(district))
    assert _answer(qtbot, console) == (
        "Import failed: district.csv: the file contains NUL bytes: UTF-16 without a byte-order mark, or not text at "
        "all; save it from the spreadsheet as \"CSV UTF-8\" and import it again"
    )
