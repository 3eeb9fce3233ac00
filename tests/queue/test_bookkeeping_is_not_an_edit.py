"""A unit's acknowledgement is bookkeeping, not an edit: it never makes a supervisor's next change "stale"."""

from __future__ import annotations

from dispatch_console.db.models import ThreatRow
from dispatch_console.domain.enums import Verification
from dispatch_console.services import triage
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow
from tests.queue.factories import add_threat


def test_acknowledgement_bookkeeping_keeps_the_version_but_edits_move_it(db, supervisor: Actor) -> None:  # type: ignore[no-untyped-def]
    with db.write() as session:
        threat_id = add_threat(session)
    with db.read() as session:
        seen = session.get(ThreatRow, threat_id).version  # what the supervisor's pane shows
    with db.write() as session:  # the status feed records the first acknowledgement and clears the overdue flag
        row = session.get(ThreatRow, threat_id)
        row.first_ack_at = utcnow()
        row.ack_overdue = False
    result = None
    with db.write() as session:
        result = triage.set_verification(session, actor=supervisor, threat_id=threat_id, expected_version=seen,
                                         verification=Verification.VERIFIED)
    assert result.version == seen + 1
