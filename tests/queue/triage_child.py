"""The other console of the lost-update story: one supervisor's triage change, made by another program.

Usage: ``python -m tests.queue.triage_child DATABASE_URL THREAT_ID CHANGE`` where CHANGE is ``verification``
(verified) or ``status`` (investigating). It reads the version it changes (as a console showing the threat would),
commits through the triage service as the supervisor ``riley``, and prints ``CHANGED <version> <at ISO>``: the
new version and the moment the change was logged, the time the refused console names.
"""

from __future__ import annotations

import sys

from sqlalchemy import select

from dispatch_console.db.engine import open_database
from dispatch_console.db.models import Change, ThreatRow
from dispatch_console.domain.enums import Role, Status, Verification
from dispatch_console.services import triage
from dispatch_console.services.actor import Actor

RILEY = Actor("riley", "Riley Second", Role.SUPERVISOR, "console-b", True)


def main(argv: list[str]) -> int:
    db = open_database(argv[0])
    threat_id, change = int(argv[1]), argv[2]
    with db.write() as session:
        version = session.execute(select(ThreatRow.version).where(ThreatRow.id == threat_id)).scalar_one()
        if change == "verification":
            result = triage.set_verification(session, actor=RILEY, threat_id=threat_id, expected_version=version,
                                             verification=Verification.VERIFIED)
        else:
            result = triage.change_status(session, actor=RILEY, threat_id=threat_id, expected_version=version,
                                          status=Status.INVESTIGATING)
    with db.read() as session:
        at = session.execute(select(Change.at).where(Change.threat_id == threat_id).order_by(Change.id.desc())
                             .limit(1)).scalar_one()
    print(f"CHANGED {result.version} {at.isoformat()}", flush=True)
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
