"""Reading the site directory from CSV, all or nothing.

A center imports its schools from the district's spreadsheet. A half-imported directory is worse than none (a
school silently missing from the type-ahead sends a call-taker to a free address), so every row is checked first and
the file is accepted only when every row is good; otherwise each bad row is reported with its line number and reason.

Columns (header names, any order; unknown columns are an error so that a typo is not silently ignored):
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
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    errors: list[RowError] = []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED and c not in OPTIONAL]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing {plural(len(missing), 'column')}: " + ", ".join(missing))
        if unknown:
            parts.append(f"unknown {plural(len(unknown), 'column')}: " + ", ".join(unknown) + " (check the spelling)")
        return CsvResult((), (RowError(1, "; ".join(parts)),))
    reader.fieldnames = header
    records: list[SiteRecord] = []
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
        try:
            record = _row_to_record(row)
        except ValueError as problem:
            errors.append(RowError(line, str(problem)))
            continue
        key = record.name.casefold()
        if key in seen:
            errors.append(RowError(line, f"'{record.name}' is already on line {seen[key]}; each site once"))
            continue
        seen[key] = line
        records.append(record)
    if not records and not errors:
        errors.append(RowError(1, "the file has no sites"))
    if errors:
        return CsvResult((), tuple(errors))
    return CsvResult(tuple(records), ())


def _row_to_record(row: dict[str, str]) -> SiteRecord:
    for column in REQUIRED:
        if not row.get(column):
            raise ValueError(f"'{column}' is empty; every site needs a {column}")
    try:
        kind = TargetKind(row["kind"].lower())
    except ValueError:
        allowed = ", ".join(k.value for k in TargetKind)
        raise ValueError(f"kind '{row['kind']}' is unknown; use one of: {allowed}") from None
    dismissal: dict[str, str] = {}
    for day in WEEKDAYS:
        value = row.get(f"dismissal_{day}", "")
        if value:
            dismissal[day] = _parse_time(value).strftime("%H:%M")
    early: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in row.get("early_release", "").split(";"))):
        day_text, _, time_text = entry.partition(" ")
        try:
            release_day = date.fromisoformat(day_text)
        except ValueError:
            raise ValueError(f"early release '{entry}': write it as YYYY-MM-DD HH:MM") from None
        early[release_day.isoformat()] = _parse_time(time_text).strftime("%H:%M")
    lunch = _parse_time(row["lunch"]).strftime("%H:%M") if row.get("lunch") else ""
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
    )
