"""Per-console rules shared through the database: screen-lock exemption for consoles on the secure floor."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dispatch_console.db.models import Console
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor, PermissionDenied
from dispatch_console.services.clock import utcnow


def is_lock_exempt(session: Session, console: str) -> bool:
    row = session.get(Console, console)
    return bool(row and row.lock_exempt)


def set_lock_exempt(session: Session, *, actor: Actor, console: str, exempt: bool) -> None:
    """Only an admin may exempt a console from the screen lock; it is audited either way."""
    if not actor.is_admin:
        audit.record(session, actor=actor, action="console.lock_exempt", record_type="console", record_id=console,
                     outcome="denied", detail={"exempt": exempt})
        raise PermissionDenied("Only an admin can exempt a console from the screen lock.")
    row = session.get(Console, console) or Console(name=console)
    row.lock_exempt = exempt
    row.updated_at = utcnow()
    row.updated_by = actor.username
    session.add(row)
    audit.record(session, actor=actor, action="console.lock_exempt", record_type="console", record_id=console,
                 detail={"exempt": exempt})
