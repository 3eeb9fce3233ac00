"""An admin imports the district's school list; a bad file is rejected whole, with every bad line named."""

from __future__ import annotations

from datetime import date, time

import pytest

from dispatch_console.domain.enums import TargetKind
from dispatch_console.resources import resource
from dispatch_console.services import sites
from dispatch_console.services.actor import Actor, PermissionDenied

HEADER = "name,kind,address,division,sro_unit,dismissal_mon,dismissal_fri,early_release\n"


def test_a_bad_csv_is_rejected_with_line_numbers_and_nothing_imported(db, admin: Actor) -> None:  # type: ignore[no-untyped-def]
    text = HEADER + (
        "Northview High School,school,1 Oak St,North,SRO-04,15:10,13:30,2026-04-10 12:30\n"
        "Bad Kind School,castle,2 Elm St,North,,15:10,,\n"
        ",school,3 Pine St,North,,,,\n"
        "Late School,school,4 Lake Rd,South,,25:99,,\n"
        "Northview High School,school,5 Oak St,North,,,,\n"
        "Early School,school,6 Hill Rd,East,,,,April 10\n"
    )
    with db.write() as session:
        result = sites.import_csv(session, actor=admin, text=text, source="district.csv")
    assert not result.ok
    lines = {e.line: e.reason for e in result.errors}
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "castle" in lines[3] and "use one of" in lines[3]
    assert "'name' is empty" in lines[4]
    assert "25:99" in lines[5] or "HH:MM" in lines[5]
    assert "already on line 2" in lines[6]
    assert "YYYY-MM-DD" in lines[7]
    with db.read() as session:
        assert sites.count_sites(session) == 0


def test_a_good_csv_is_imported_with_dismissal_times(db, admin: Actor) -> None:  # type: ignore[no-untyped-def]
    text = HEADER + "Northview High School,school,1 Oak St,North,SRO-04,15:10,13:30,2026-04-10 12:30\n"
    with db.write() as session:
        assert sites.import_csv(session, actor=admin, text=text).ok
    with db.read() as session:
        (site,) = sites.all_sites(session)
    assert site.kind is TargetKind.SCHOOL and site.sro_unit == "SRO-04"
    assert site.dismissal_on(date(2026, 4, 6)) == time(15, 10)  # a Monday
    assert site.dismissal_on(date(2026, 4, 10)) == time(12, 30)  # early release wins over Friday's 13:30
    assert site.dismissal_on(date(2026, 4, 17)) == time(13, 30)


def test_only_admins_change_the_directory(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match="Only an admin"), db.write() as session:
        sites.import_csv(session, actor=supervisor, text=HEADER)


def test_the_demo_city_has_forty_schools_in_six_divisions() -> None:
    from dispatch_console.domain.site_csv import parse_sites_csv

    result = parse_sites_csv(resource("demo", "sites.csv").read_text())
    schools = [r for r in result.records if r.kind is TargetKind.SCHOOL]
    assert result.ok and len(schools) == 40
    assert {r.division for r in schools} == {"Central", "North", "South", "East", "West", "Harbor"}
    assert len(result.records) - len(schools) >= 5
