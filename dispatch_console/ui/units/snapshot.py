"""What the units panel shows, computed from one background read: the snapshot, its rows and its banner text.

Why a module of its own: turning a snapshot into rows and warnings is pure (no widget, no thread, no database), so
it stays readable apart from the widget that lays it out and the actions that write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from dispatch_console.domain.enums import UnitKind
from dispatch_console.domain.routing import Proposal, UnitView
from dispatch_console.domain.text import plural
from dispatch_console.ui.units.menu_action import RETRY_SHORTCUT
from dispatch_console.ui.units.model import UnitRow


@dataclass(frozen=True)
class UnitsSnapshot:
    """One background read for one threat: facts, assignments, notification states and the roster (if read)."""

    threat_id: int
    facts: Any
    assignments: list[Any]
    notifications: list[Any]
    roster: list[UnitView] | None
    roster_error: str
    preview: dict[str, Any] | None = None
    """The request body a unit would receive now (``outbox.preview``), for the supervisor to read before the click."""


def kind_label(value: str) -> str:
    """The label of a unit kind, or the stored value itself when it is not a known kind."""
    return UnitKind(value).label if value in UnitKind._value2member_map_ else value


def proposals_for(snapshot: UnitsSnapshot) -> list[Proposal]:
    """The routing proposal for the snapshot's threat (none until both the facts and the roster are known)."""
    from dispatch_console.services import units

    if snapshot.facts is None or snapshot.roster is None:
        return []
    return units.propose(snapshot.facts, snapshot.roster)


def pending_proposals(snapshot: UnitsSnapshot) -> list[tuple[str, UnitKind, str, str]]:
    """The untouched proposal as ``(unit, kind, division, reason)`` to store on the first edit or click."""
    roster = {u.unit_id: u for u in snapshot.roster or []}
    if any(v.round == 0 for v in snapshot.notifications):
        return []
    return [(p.unit_id, p.kind, roster[p.unit_id].division if p.unit_id in roster else "", p.reason)
            for p in proposals_for(snapshot)]


def rows_for(snapshot: UnitsSnapshot, tz: tzinfo | None = None) -> list[UnitRow]:
    """The panel's lines: the designated units (or the untouched proposal), then every other notified unit.

    Times in the states ("waiting for the backend since 14:03") are shown in ``tz`` (the center's zone)."""
    roster = {u.unit_id: u for u in snapshot.roster or []}
    latest: dict[tuple[str, int], Any] = {}
    for view in snapshot.notifications:
        latest[(view.unit_id, view.round)] = view
    rows: list[UnitRow] = []
    seen: set[str] = set()

    def unit_facts(unit_id: str, kind: str, division: str) -> tuple[str, str, str]:
        unit = roster.get(unit_id)
        if unit is None:
            return kind_label(kind) if kind else "?", division or "?", "unknown (not on the roster)"
        return unit.kind.label, unit.division, unit.status.label.lower()

    def with_state(row: UnitRow, view: Any) -> UnitRow:
        if view is None:
            return row
        return UnitRow(row.unit_id, row.kind, row.division, row.unit_status, row.reason, row.designated,
                       row.proposed, view.notification_id, view.state, view.state_words(tz), view.round)

    if snapshot.assignments:
        for a in snapshot.assignments:
            kind, division, status = unit_facts(a.unit_id, a.kind, a.division)
            row = UnitRow(a.unit_id, kind, division, status, a.reason, True, False)
            rows.append(with_state(row, latest.get((a.unit_id, 0))))
            seen.add(a.unit_id)
    elif not any(round_no == 0 for (_u, round_no) in latest):
        for p in proposals_for(snapshot):
            kind, division, status = unit_facts(p.unit_id, p.kind.value, "")
            rows.append(UnitRow(p.unit_id, kind, division, status, f"proposed: {p.reason}", True, True))
            seen.add(p.unit_id)
    for (unit_id, round_no), view in sorted(latest.items(), key=lambda item: (item[0][1], item[0][0])):
        if round_no == 0 and unit_id in seen:
            continue
        kind, division, status = unit_facts(unit_id, "", "")
        reason = "escalation: division supervisor" if round_no else "notified earlier (no longer designated)"
        rows.append(with_state(UnitRow(unit_id, kind, division, status, reason, False, False), view))
    return rows


def banner_text(snapshot: UnitsSnapshot, health: Any) -> str:
    """The problems the operator must see (units not reached, failures, no roster); '' when there are none.

    Args:
        snapshot: The threat's current read.
        health: The dispatcher's ``BackendHealth`` (``None`` when no dispatcher runs on this console).
    """
    from dispatch_console.services.outbox import summarize

    summary = summarize(snapshot.notifications)
    parts: list[str] = []
    if summary.pending_units and health is not None and health.problem:
        names = ", ".join(summary.pending_units)
        units = plural(len(summary.pending_units), "unit", "units")
        if health.state == "auth_failed":
            parts.append(f"{units} not reached yet ({names}): {health.message}. Nothing is lost: the "
                         "pages stay queued and go out as soon as the token is fixed.")
        else:
            what = "unreachable" if health.state == "unreachable" else "busy"
            parts.append(f"{units} queued ({names}); the backend is {what}; retrying every "
                         f"{health.retry_every_s:g} s and at once when it answers again; nothing is lost.")
    if summary.failed_units:
        parts.append(f"✖ Not delivered: {', '.join(summary.failed_units)} — see the reason in the list, fix it, "
                     f"then press Retry failed ({RETRY_SHORTCUT}).")
    if snapshot.roster_error and snapshot.roster is None:
        parts.append(f"The unit roster could not be read: {snapshot.roster_error}.")
    return "\n".join(parts)


PREVIEW_REASON = "<the unit's reason>"
"""Stands for the one part of the page that differs per unit: why that unit is designated."""


def preview_text(body: dict[str, Any] | None) -> str:
    """The payload's fields in words, each value exactly as it will be sent (only the layout is the panel's)."""
    if not body:
        return ""
    incident = body.get("incident") or {}
    target = incident.get("target") or {}
    lines = [
        "What every unit receives (exactly as it will be sent):",
        f"Case: {incident.get('case_number', '')} · {body.get('priority', '')} · {incident.get('category', '')}",
        f"Target: {target.get('name', '')} ({target.get('kind', '')}), {target.get('address', '')}, "
        f"{target.get('division', '')} division",
        f"Threatened at: {incident.get('threatened_at') or 'not known'}",
        f"Weapons: {', '.join(incident.get('weapons') or []) or 'none mentioned'}",
        f"Statement: {incident.get('summary', '')}",
    ]
    suspects = incident.get("suspects") or []
    lines += [f"Suspect: {s.get('display_name', '')}" for s in suspects] or ["Suspects: none"]
    lines.append(f"Message: {body.get('message', '')}")
    return "\n".join(lines)
