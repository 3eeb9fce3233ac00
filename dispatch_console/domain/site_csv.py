"""Reading the site directory from CSV, all or nothing.

A center imports its schools from the district's spreadsheet. A half-imported directory is worse than none (a
school silently missing from the type-ahead sends a call-taker to a free address), so every row is checked first and
the file is accepted only when every row is good; otherwise every problem of every bad row is reported with its
line number and reason, so that one round of corrections fixes the file.

Columns (header names, any order, separated by commas, semicolons or tabs; unknown columns are an error so that a
typo is not silently ignored):
``name, kind, address, division`` (required), ``district, sro_unit, aliases`` (aliases separated by ``;``),
``dismissal_mon`` … ``dismissal_sun`` (``HH:MM``, empty = no school), ``early_release``
(``YYYY-MM-DD HH:MM`` entries separated by ``;``), ``lunch`` (``HH:MM``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, time

from dispatch_console.domain.enums import TargetKind
from dispatch_console.domain.sites import WEEKDAYS
from dispatch_console.domain.text import plural

REQUIRED = ("name", "kind", "address", "division")
OPTIONAL = ("district", "sro_unit", "aliases", "early_release", "lunch", *(f"dismissal_{d}" for d in WEEKDAYS))
MAX_ROWS = 20_000


@dataclass(frozen=True)
class SiteRecord:
    """A validated CSV row, ready to store."""

    name: str
    kind: TargetKind
    address: str
    division: str
    district: str = ""
    sro_unit: str = ""
    aliases: tuple[str, ...] = ()
    dismissal: dict[str, str] = field(default_factory=dict)  # weekday code -> "HH:MM"
    early_release: dict[str, str] = field(default_factory=dict)  # ISO date -> "HH:MM"
    lunch: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class CsvResult:
    records: tuple[SiteRecord, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_time(text: str) -> time:
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"'{text}' is not a time; write it as HH:MM, e.g. 15:10")
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"'{text}' is not a time of day; write it as HH:MM between 00:00 and 23:59") from None


def parse_sites_csv(text: str) -> CsvResult:
    """Check every row of a site CSV; return the records only if all rows are good."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text.partition("\n")[0]))
    header = [h.strip() for h in (reader.fieldnames or [])]
    errors: list[RowError] = []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED and c not in OPTIONAL]
    if missing:
        errors.append(RowError(1, f"{plural(len(missing), 'missing column')}: " + ", ".join(missing)))
    if unknown:
        errors.append(RowError(1, f"{plural(len(unknown), 'unknown column')}: " + ", ".join(unknown)
                               + " (check the spelling)"))
    if errors:
        return CsvResult((), tuple(errors))
    reader.fieldnames = header
    records: list[SiteRecord] = []
    try:
        _check_rows(reader, records, errors)
    except csv.Error as problem:  # e.g. a field longer than the csv module's limit
        errors.append(RowError(reader.line_num, f"the CSV cannot be read from here on ({problem})"))
    if not records and not errors:
        errors.append(RowError(1, "the file has no sites"))
    if errors:
        return CsvResult((), tuple(errors))
    return CsvResult(tuple(records), ())


def _check_rows(reader: csv.DictReader[str], records: list[SiteRecord], errors: list[RowError]) -> None:
    """Add each good row to ``records`` and every problem of each bad row to ``errors``."""
    seen: dict[str, int] = {}
    for index, raw in enumerate(reader):
        line = reader.line_num
        if index >= MAX_ROWS:
            errors.append(RowError(line, f"more than {MAX_ROWS} rows; split the file"))
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            errors.append(RowError(line, "more values than columns (a comma inside a value needs quotes)"))
            continue
        if not any(row.values()):
            continue
        record, problems = _row_to_record(row)
        name = row.get("name", "")
        if name:
            key = name[:200].casefold()
            if key in seen:
                problems.append(f"'{name[:200]}' is already on line {seen[key]}; each site once")
            else:
                seen[key] = line
        errors.extend(RowError(line, problem) for problem in problems)
        if record is not None and not problems:
            records.append(record)


def _delimiter(header: str) -> str:
    """The separator the header row uses: a comma, or the semicolon of European Excel, or the tab of its "Unicode
    text"; column names contain none of them, so the one the header holds most of is it."""
    return max((",", ";", "\t"), key=header.count)


def _time_in(column: str, text: str, problems: list[str]) -> str:
    """``text`` as HH:MM, or "" with the problem (naming the column) added to ``problems``."""
    try:
        return _parse_time(text).strftime("%H:%M")
    except ValueError as problem:
        problems.append(f"{column}: {problem}")
        return ""


def _row_to_record(row: dict[str, str]) -> tuple[SiteRecord | None, list[str]]:
    """The row as a record, or None; and every problem of the row, so that one pass over the file finds them all."""
    problems = [f"'{column}' is empty; every site needs {'an' if column[0] in 'aeiou' else 'a'} {column}"
                for column in REQUIRED if not row.get(column)]
    kind = None
    if row.get("kind"):
        try:
            kind = TargetKind(row["kind"].lower())
        except ValueError:
            allowed = ", ".join(k.value for k in TargetKind)
            problems.append(f"kind '{row['kind']}' is unknown; use one of: {allowed}")
    dismissal = {
        day: _time_in(f"dismissal_{day}", row[f"dismissal_{day}"], problems)
        for day in WEEKDAYS
        if row.get(f"dismissal_{day}")
    }
    early: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in row.get("early_release", "").split(";"))):
        day_text, _, time_text = entry.partition(" ")
        try:
            release_day = date.fromisoformat(day_text)
        except ValueError:
            problems.append(f"early release '{entry}': write it as YYYY-MM-DD HH:MM")
            continue
        early[release_day.isoformat()] = _time_in(f"early release '{entry}'", time_text, problems)
    lunch = _time_in("lunch", row["lunch"], problems) if row.get("lunch") else ""
    if problems or kind is None:
        return None, problems
    aliases = tuple(a.strip() for a in row.get("aliases", "").split(";") if a.strip())
    return SiteRecord(
        name=row["name"][:200],
        kind=kind,
        address=row["address"][:300],
        division=row["division"][:60],
        district=row.get("district", "")[:120],
        sro_unit=row.get("sro_unit", "")[:40],
        aliases=aliases,
        dismissal=dismissal,
        early_release=early,
        lunch=lunch,
    ), problems
