"""A case's timeline as sentences: "Sam Supervisor notified 5 units", one entry per event, no raw identifiers.

The audit log keeps every fact in machine form (actions like ``threat.assign_unit``, usernames, ``site_id``); the
pane's reader needs the story. This module turns audit entries, notes and notifications into that story: operators
by their display names, one entry for a notification round (the audit entry of the notify) plus one per unit that
acknowledged or failed — not five delivery steps per unit — and a note once (from the notes, not again from its
audit entry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from dispatch_console.domain.enums import DeliveryState, Status

Names = Callable[[str], str]  # username → display name (the username itself when unknown)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list | tuple) else int(value or 0)


def _what(detail: dict[str, Any]) -> str:
    """The triage summary without its case-number prefix ("TT-2026-00001: status → investigating")."""
    summary = str(detail.get("summary", ""))
    return summary.split(": ", 1)[1] if ": " in summary else summary


def audit_sentence(action: str, detail: dict[str, Any], outcome: str, who: str) -> str | None:
    """One audit entry as a sentence, or None when another entry tells it already (a note's own audit entry)."""
    what = _what(detail)
    if outcome not in ("success", "failed") and detail.get("summary"):
        return f"{who}'s change was not applied — {what}"
    if action == "threat.note":
        return None  # the note itself is in the timeline
    if action == "threat.create":
        sentence = f"{who} saved the report" + (f" as {detail['priority']}" if detail.get("priority") else "")
        return sentence + (f", linked to {detail['linked_to']}" if detail.get("linked_to") else "")
    if action == "threat.link":
        return f"{who} linked this report to {detail.get('linked_to', 'another case')}"
    if action == "threat.priority_raised":
        return (f"The priority was raised from {detail.get('from')} to {detail.get('to')} by the linked report "
                f"{detail.get('because')}")
    if action == "threat.status" and detail.get("to"):
        try:
            return f"{who} set the status to {Status(detail['to']).label.lower()}"
        except ValueError:
            pass
    if action == "threat.priority_override" and detail.get("to"):
        because = f" because {detail['reason']}" if detail.get("reason") else ""
        return f"{who} changed the priority from {detail.get('from')} to {detail['to']}{because}"
    if action == "threat.notify":
        queued, skipped = _count(detail.get("queued")), _count(detail.get("skipped"))
        sentence = f"{who} notified {_plural(queued, 'unit')}"
        return sentence + (f" ({skipped} already notified)" if skipped else "")
    if action == "threat.escalate":
        if detail.get("notified"):
            return (f"No acknowledgement in time: escalated to {detail['notified']} "
                    f"(escalation {detail.get('escalation', 1)})")
        return f"No acknowledgement in time, and the escalation failed: {detail.get('problem', 'no one to notify')}"
    if action == "threat.ack_overdue":
        return (f"No acknowledgement in time from {_plural(_count(detail.get('not_acknowledged')), 'unit')}; "
                "the escalation limit is reached")
    verbs = {
        "threat.verification": "set the {what}", "threat.priority_override": "changed the {what}",
        "threat.assign_unit": "assigned {what}", "threat.unassign_unit": "unassigned {what}",
        "threat.close": "closed the case — {what}", "threat.reopen": "reopened the case — {what}",
    }
    if action in verbs and what:
        what = what.replace(" assigned", "").replace(" unassigned", "").replace(" → ", " to ")
        what = what.removeprefix("closed: ").removeprefix("reopened: ")
        return f"{who} {verbs[action].format(what=what)}"
    words = action.removeprefix("threat.").replace("_", " ")
    return f"{who}: {what}" if what else f"{who}: {words}"


def notification_sentences(
    unit: str, escalation: bool, state: str, acknowledged_at: datetime | None, acknowledged_by: str | None,
    failed_at: datetime | None, error: str | None,
) -> Iterable[tuple[datetime, str, str]]:
    """(when, who, sentence) for the events of one notification worth a line: its acknowledgement or failure."""
    kind = "escalation" if escalation else "notification"
    if acknowledged_at is not None:
        by = f" ({acknowledged_by})" if acknowledged_by and acknowledged_by != unit else ""
        yield acknowledged_at, acknowledged_by or unit, f"{unit} acknowledged the {kind}{by}"
    if state == DeliveryState.FAILED and failed_at is not None:
        yield failed_at, "backend", f"The {kind} to {unit} failed: {error or 'no reason given'}"
