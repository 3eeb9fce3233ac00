"""The site directory: import from CSV (all or nothing), look-up for the intake type-ahead."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_console.db.models import SiteRow
from dispatch_console.domain.csv_text import CsvEncodingError, decode_csv
from dispatch_console.domain.enums import TargetKind
from dispatch_console.domain.site_csv import CsvResult, parse_sites_csv
from dispatch_console.domain.sites import WEEKDAYS, Site
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.clock import utcnow


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def to_site(row: SiteRow) -> Site:
    return Site(
        site_id=row.id,
        name=row.name,
        kind=TargetKind(row.kind),
        address=row.address,
        division=row.division,
        district=row.district,
        sro_unit=row.sro_unit,
        aliases=tuple(a for a in row.aliases.split(";") if a),
        dismissal={WEEKDAYS.index(day): _hhmm(t) for day, t in (row.dismissal or {}).items()},
        early_release={date.fromisoformat(d): _hhmm(t) for d, t in (row.early_release or {}).items()},
        lunch=_hhmm(row.lunch) if row.lunch else None,
    )


class SiteFileError(Exception):
    """The site file cannot be read as text; the message is one line that names the file and what to do."""


def read_csv_file(path: Path) -> str:
    """The text of the CSV file at ``path``, in whichever encoding the spreadsheet saved it (see ``csv_text``)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SiteFileError(f"{path} does not exist; check the name and the folder") from None
    except IsADirectoryError:
        raise SiteFileError(f"{path} is a folder, not a CSV file") from None
    except PermissionError:
        raise SiteFileError(f"{path} cannot be read: permission denied") from None
    except OSError as error:
        raise SiteFileError(f"{path} cannot be read: {error.strerror or error}") from None
    try:
        return decode_csv(data)
    except CsvEncodingError as problem:
        raise SiteFileError(f"{path.name}: {problem}") from None


def import_csv(session: Session, *, actor: Actor, text: str, source: str = "") -> CsvResult:
    """Validate the whole file; store it only if every row is good (existing sites are updated by name)."""
    if not actor.is_admin:
        audit.record(session, actor=actor, action="sites.import", record_type="site_directory", record_id=source,
                     outcome="denied")
        raise PermissionDenied("Only an admin can change the site directory.")
    result = parse_sites_csv(text)
    if not result.ok:
        audit.record(session, actor=actor, action="sites.import", record_type="site_directory", record_id=source,
                     outcome="failed", detail={"rejected_rows": len({e.line for e in result.errors})})
        return result
    existing = {row.name.casefold(): row for row in session.execute(select(SiteRow)).scalars()}
    now = utcnow()
    for rec in result.records:
        row = existing.get(rec.name.casefold()) or SiteRow(name=rec.name)
        row.kind = rec.kind.value
        row.address = rec.address
        row.division = rec.division
        row.district = rec.district
        row.sro_unit = rec.sro_unit
        row.aliases = ";".join(rec.aliases)
        row.dismissal = dict(rec.dismissal)
        row.early_release = dict(rec.early_release)
        row.lunch = rec.lunch
        row.updated_at = now
        session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="sites.import", record_type="site_directory", record_id=source,
                 detail={"sites": len(result.records)})
    return result


def all_sites(session: Session) -> list[Site]:
    return [to_site(r) for r in session.execute(select(SiteRow).order_by(SiteRow.name)).scalars()]


def get_site(session: Session, site_id: int) -> Site | None:
    row = session.get(SiteRow, site_id)
    return to_site(row) if row else None


def count_sites(session: Session) -> int:
    return len(session.execute(select(SiteRow.id)).all())
