"""An admin imports the district's school list from whatever the spreadsheet saved, or learns in one line why not.

Excel saves "CSV" in Windows-1252 and "Unicode text" in UTF-16; before, both (and a mistyped file name) ended in a
Python traceback, and a row with three mistakes showed only the first, so the file went back and forth three times.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from dispatch_console.db.engine import open_database
from dispatch_console.domain.csv_text import CsvEncodingError, decode_csv
from dispatch_console.domain.site_csv import RowError, parse_sites_csv
from dispatch_console.services import sites
from tests.foundation.commands import run_main

HEADER = "name,kind,address,division,dismissal_mon,lunch\n"
ROW = "Sainte-Thérèse École,school,\"12 Rue Café, Riverton\",North,15:10,11:45\n"


def _site_names(db_file: Path) -> list[str]:
    db = open_database(f"sqlite:///{db_file}")
    try:
        with db.read() as session:
            return [site.name for site in sites.all_sites(session)]
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("saved_as", "data"),
    [
        ("CSV UTF-8 (with its byte-order mark)", codecs.BOM_UTF8 + (HEADER + ROW).encode("utf-8")),
        ("UTF-8 without a mark", (HEADER + ROW).encode("utf-8")),
        ("CSV (Windows-1252)", (HEADER + ROW).replace("\n", "\r\n").encode("cp1252")),
        ("Unicode text (UTF-16 with its mark, tab-separated)",
         "name\tkind\taddress\tdivision\tdismissal_mon\tlunch\r\n"
         "Sainte-Thérèse École\tschool\t12 Rue Café, Riverton\tNorth\t15:10\t11:45\r\n".encode("utf-16")),
        ("CSV with semicolons (European Excel, Windows-1252)",
         (HEADER.replace(",", ";") + "Sainte-Thérèse École;school;12 Rue Café, Riverton;North;15:10;11:45\n")
         .encode("cp1252")),
        ("UTF-16 big-endian with its mark", codecs.BOM_UTF16_BE + (HEADER + ROW).encode("utf-16-be")),
    ],
)
def test_the_school_arrives_as_typed_whatever_the_spreadsheet_saved(
    saved_as: str, data: bytes, tmp_path: Path
) -> None:
    csv_file = tmp_path / "district.csv"
    csv_file.write_bytes(data)
    db_file = tmp_path / "center.db"
    done = run_main(["import-sites", str(csv_file), "--database-url", f"sqlite:///{db_file}"], tmp_path / "home")
    assert (done.returncode, done.stdout, done.stderr) == (0, "Imported 1 site.\n", ""), saved_as
    assert _site_names(db_file) == ["Sainte-Thérèse École"]


def test_a_missing_file_is_one_line_and_no_database_is_touched(tmp_path: Path) -> None:
    missing = tmp_path / "distrcit.csv"
    db_file = tmp_path / "center.db"
    done = run_main(["import-sites", str(missing), "--database-url", f"sqlite:///{db_file}"], tmp_path / "home")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"Nothing imported: {missing} does not exist; check the name and the folder.\n"
    assert not db_file.exists()


def test_a_file_whose_encoding_cannot_be_known_is_one_line(tmp_path: Path) -> None:
    csv_file = tmp_path / "district.csv"
    csv_file.write_bytes((HEADER + ROW).encode("utf-16-le"))  # UTF-16 without its byte-order mark
    done = run_main(["import-sites", str(csv_file)], tmp_path / "home")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "Nothing imported: district.csv: the file contains NUL bytes: UTF-16 without a byte-order mark, or not text "
        "at all; save it from the spreadsheet as \"CSV UTF-8\" and import it again.\n"
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "this is a spreadsheet workbook (or another zip file), not CSV"),
        (b"name\x81,kind\n", "the file is neither UTF-8 nor Windows-1252 text (byte 0x81 at offset 4)"),
        (codecs.BOM_UTF16_LE + b"n\x00a", "the file starts like UTF-16 text but is not valid UTF-16"),
    ],
)
def test_what_cannot_be_read_as_text_is_named(data: bytes, problem: str) -> None:
    with pytest.raises(CsvEncodingError) as refused:
        decode_csv(data)
    assert str(refused.value) == f"{problem}; save it from the spreadsheet as \"CSV UTF-8\" and import it again"


def test_every_problem_of_every_row_is_listed_with_its_line() -> None:
    text = (
        "name,kind,address,division,dismissal_mon,dismissal_fri,early_release,lunch\n"
        "Good School,school,1 Oak St,North,15:10,13:30,,\n"
        ",castle,,North,25:99,3pm,April 10;2026-04-10 12:61,noon\n"
        "Good School,school,2 Elm St,,,,,\n"
    )
    result = parse_sites_csv(text)
    assert result.records == ()
    assert result.errors == (
        RowError(3, "'name' is empty; every site needs a name"),
        RowError(3, "'address' is empty; every site needs an address"),
        RowError(3, "kind 'castle' is unknown; use one of: school, event_venue, business, workplace, house_of_worship, other"),
        RowError(3, "dismissal_mon: '25:99' is not a time of day; write it as HH:MM between 00:00 and 23:59"),
        RowError(3, "dismissal_fri: '3pm' is not a time; write it as HH:MM, e.g. 15:10"),
        RowError(3, "early release 'April 10': write it as YYYY-MM-DD HH:MM"),
        RowError(3, "early release '2026-04-10 12:61': '12:61' is not a time of day; write it as HH:MM between "
                    "00:00 and 23:59"),
        RowError(3, "lunch: 'noon' is not a time; write it as HH:MM, e.g. 15:10"),
        RowError(4, "'division' is empty; every site needs a division"),
        RowError(4, "'Good School' is already on line 2; each site once"),
    )


def test_the_command_lists_every_problem_and_imports_nothing(tmp_path: Path) -> None:
    csv_file = tmp_path / "district.csv"
    csv_file.write_text("name,kind,address,division,lunch,colour\nA,castle,,North,noon,red\n", encoding="utf-8")
    done = run_main(["import-sites", str(csv_file)], tmp_path / "home")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "Nothing imported: 1 problem in 1 row; fix them and import the whole file again:\n"
        "  line 1: 1 unknown column: colour (check the spelling)\n"
    )
