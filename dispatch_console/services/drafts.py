"""Drafts: the intake form as it is being typed, kept in the database so that a crash never loses a word.

The form saves its whole state (a JSON object) about half a second after every change. Those saves are not audited:
one entry per pause in typing would drown the log and say nothing a reviewer needs. What *is* audited is what an
operator decides about a draft: recovering it after a crash, or discarding it. A draft is deleted in the same
transaction that saves its threat (``intake.save_threat(draft_id=...)``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dispatch_console.db.models import Draft
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow

MAX_DRAFT_BYTES = 400_000
"""A form at every field's limit is about 150 000 characters; anything far beyond is not a form."""


class DraftTooLarge(ValueError):
    """The form state is larger than any real form can be; the message says what to do."""


@dataclass(frozen=True)
class DraftView:
    """One saved draft, as the recovery dialog lists it.

    Attributes:
        draft_id: The form's uuid.
        console: Where it was typed.
        created_at: When the form was started.
        updated_at: The last change saved.
        summary: A one-line description for the list (target and the statement's start; never a suspect's name).
        data: The form state to restore.
    """

    draft_id: str
    console: str
    created_at: datetime
    updated_at: datetime
    summary: str
    data: dict[str, Any]


def save_draft(session: Session, *, actor: Actor, draft_id: str, data: dict[str, Any],
               now: datetime | None = None) -> None:
    """Insert or update the operator's draft ``draft_id`` with the whole form state.

    Raises:
        DraftTooLarge: If ``data`` serialises to more than :data:`MAX_DRAFT_BYTES`.
        ValueError: If ``data`` is not JSON-serialisable (a programming error in the form).
    """
    size = len(json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    if size > MAX_DRAFT_BYTES:
        raise DraftTooLarge(f"The form is too large to keep as a draft ({size:,} bytes). Shorten the longest text.")
    moment = now or utcnow()
    row = session.get(Draft, draft_id)
    if row is None:
        session.add(Draft(id=draft_id, operator=actor.username, console=actor.console, created_at=moment,
                          updated_at=moment, data=data))
    elif row.operator == actor.username:
        row.data = data
        row.updated_at = moment
        row.console = actor.console
    session.flush()


def list_drafts(session: Session, *, operator: str) -> list[DraftView]:
    """The operator's drafts, newest first."""
    rows = session.execute(
        select(Draft).where(Draft.operator == operator).order_by(Draft.updated_at.desc(), Draft.id)
    ).scalars()
    return [_view(row) for row in rows]


def recover_draft(session: Session, *, actor: Actor, draft_id: str) -> DraftView | None:
    """The operator takes a draft back into the form (audited); ``None`` if it no longer exists."""
    row = session.get(Draft, draft_id)
    if row is None or row.operator != actor.username:
        return None
    audit.record(session, actor=actor, action="draft.recover", record_type="draft", record_id=draft_id,
                 detail={"typed_on": row.console, "updated_at": row.updated_at.isoformat()})
    return _view(row)


def delete_draft(session: Session, *, actor: Actor, draft_id: str, discarded: bool = True) -> bool:
    """Remove one of the operator's drafts; a discard by the operator is audited.

    Args:
        session: A write session.
        actor: The operator; only their own drafts are removed.
        draft_id: The draft.
        discarded: ``True`` when the operator threw it away (audited); ``False`` for housekeeping, e.g. a form
            reset that had never been typed into.

    Returns:
        Whether a draft was removed.
    """
    removed = session.execute(
        delete(Draft).where(Draft.id == draft_id, Draft.operator == actor.username)
    ).rowcount  # type: ignore[attr-defined]
    if removed and discarded:
        audit.record(session, actor=actor, action="draft.discard", record_type="draft", record_id=draft_id)
    return bool(removed)


def _view(row: Draft) -> DraftView:
    data = dict(row.data or {})
    target = str(data.get("target_name") or data.get("target_address") or "no target yet")
    statement = " ".join(str(data.get("statement") or "").split())
    summary = f"{target[:60]} — {statement[:80] or 'no statement yet'}"
    return DraftView(row.id, row.console, row.created_at, row.updated_at, summary, data)
