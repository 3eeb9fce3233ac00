"""A case's timeline as sentences: "Sam Supervisor notified 5 units", one entry per event, no raw identifiers.

The audit log keeps every fact in machine form (actions like ``threat.assign_unit``, usernames, ``site_id``); the
pane's reader needs the story. This module turns audit entries, notes and notifications into that story: operators
by their display names, sites by name, enums by their labels, times in the console's zone.

Every audit action has an explicit wording in :data:`WORDINGS` (``tests/queue/test_timeline_wordings.py`` scans the
source for action literals and fails on one without a wording, or without a place in :data:`NOT_ABOUT_A_CASE`), so
a new action is read as a sentence from the day it is added. An action this console does not know (written by a
newer console on the same database) still reads as a sentence, built from its family in :data:`FAMILIES`, never
from the identifier itself.

What is left out or folded, and why (the reader is a supervisor reconstructing the case, often under pressure):

* ``threat.view``: every opening of a case is audited, and a case followed for a shift is opened hundreds of times;
  a line per view would drown the story. Views are kept while the case is *sealed*, because opening a sealed case is
  access to sealed information that a supervisor expects to see (the reveal, seal, unseal and exports are always
  kept).
* Delivery steps (``notification.accepted`` / ``delivered`` / ``retrying`` / ``paused``): each unit's page moves
  through them in seconds, five units make twenty lines, and the units panel shows where each page stands. The
  timeline keeps the notify click (one line per round), each acknowledgement (from the notification itself, with
  the unit's own time) and each failure (one per audited failure, so a page that fails, is retried by hand and
  fails again reads as three events).
* ``threat.note``: the note itself is a line (from the notes), so its audit entry would list it twice.
* ``threat.units_alarm_shown``: one per supervisor console that showed the alarm; folded into the alarm's line
  ("… shown to Sam Supervisor").
* ``step_up``: it audits the *operator* (their second factor, named by username, not by case); the act it guarded,
  the export or the reveal, is the case's line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from dispatch_console.domain.enums import DeliveryState, Outcome, Status, UnitKind, Verification
from dispatch_console.domain.text import plural

Names = Callable[[str], str]  # username → display name (the username itself when unknown)

SERVICE_ACCOUNTS: Mapping[str, str] = {
    "outbox": "The notification service",
    "system": "The console",
    "backend": "The backend",
}
"""Accounts the console's own services write under (``services.notify_support``, ``services.actor.SYSTEM``), so a
sentence never starts with a bare username."""

VIEW_ACTION = "threat.view"
SEAL_ACTION = "threat.seal"
UNSEAL_ACTION = "threat.unseal"
ALARM_ACTION = "threat.units_not_reached"
ALARM_SHOWN_ACTION = "threat.units_alarm_shown"
FAILED_ACTION = "notification.failed"


# --- what the story is made of --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFact:
    """One audit entry, as read from the log (the service copies the row; nothing here touches the database)."""

    entry_id: int
    at: datetime
    operator: str
    action: str
    outcome: str
    record_id: str
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class NoteFact:
    at: datetime
    operator: str
    text: str


@dataclass(frozen=True)
class NotificationFact:
    """One unit's page (one round): enough to tell its acknowledgement and, when unaudited, its failure."""

    notification_id: str
    unit_id: str
    escalation: bool
    state: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    failed_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class CaseContext:
    """What the sentences need besides the entry: names, the zone, and lookups for ids kept in audit details."""

    case_number: str
    names: Names = field(default=lambda username: username)
    tz: tzinfo | None = None
    sites: Mapping[int, str] = field(default_factory=dict)  # site id → name
    follow_ups: Mapping[int, str] = field(default_factory=dict)  # follow-up id → what must be done
    notifications: Mapping[str, str] = field(default_factory=dict)  # notification id → unit

    def name(self, username: str) -> str:
        """The display name; the console's own services by what they are."""
        if username in SERVICE_ACCOUNTS:
            return SERVICE_ACCOUNTS[username]
        return self.names(username) or username


@dataclass(frozen=True)
class Line:
    """One line of the story: when, what kind (audit / note / notification), who, and the sentence."""

    at: datetime
    kind: str
    who: str
    text: str


# --- one entry as a sentence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """An audit entry as the wordings read it: who (display name), its detail, and helpers for its values."""

    who: str
    action: str
    outcome: str
    record_id: str
    detail: Mapping[str, Any]
    ctx: CaseContext
    at: datetime | None = None

    def text(self, key: str, default: str = "") -> str:
        value = self.detail.get(key)
        return default if value is None or value == "" else " ".join(str(value).split())

    def count(self, key: str) -> int:
        value = self.detail.get(key)
        if isinstance(value, list | tuple):
            return len(value)
        try:
            return int(value or 0)
        except (TypeError, ValueError):
            return 0

    def units(self, key: str) -> str:
        """A list of units (their call signs) in a sentence: "NOR-P1, SRO-04"."""
        value = self.detail.get(key) or []
        items = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        return ", ".join(items)

    def clock(self, key: str) -> str:
        """A time of the detail in the console's zone, "14:02:10"; the day too when it is not the entry's day."""
        value = self.detail.get(key)
        try:
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            return "an unreadable time"
        if moment.tzinfo is None:
            return moment.strftime("%H:%M:%S")
        local = moment.astimezone(self.ctx.tz)
        same_day = self.at is not None and self.at.astimezone(self.ctx.tz).date() == local.date()
        return local.strftime("%H:%M:%S" if same_day else "%a %d %b %H:%M:%S")

    def name(self, key: str) -> str:
        return self.ctx.name(self.text(key))

    def summary_after_arrow(self) -> str:
        """Older triage entries kept only a summary ("TT-…: verification → verified"); the label after the arrow.

        Those summaries were written from the enums' labels, so the words are an operator's, not identifiers.
        """
        summary = self.text("summary")
        return summary.rsplit("→", 1)[1].strip() if "→" in summary else ""

    def summary_unit(self) -> str:
        """The unit of an older assign/unassign summary ("TT-…: unit 3A12 assigned")."""
        words = self.text("summary").split()
        return words[words.index("unit") + 1] if "unit" in words[:-1] else ""


Told = Callable[[Said], "str | None"]


@dataclass(frozen=True)
class Wording:
    """How one audit action reads.

    Attributes:
        attempt: What the operator set out to do, in the infinitive ("change the status"), for a refusal or a stale
            attempt: "Casey Call-Taker tried to change the status; refused: only a supervisor may do that".
        told: The sentence of the entry; ``None`` when another line already tells it.
        refused: Why such an attempt is refused (a text, or one built from the entry).
        failed: The sentence of an entry whose outcome is "failed" (default: "… tried to …; it failed").
        quiet: Never a line, whatever the outcome: another line tells it, or it is a step of one (a delivery step
            that was paused or retried is still a step; the page's failure, if it comes, is its own line).
    """

    attempt: str
    told: Told
    refused: str | Callable[[Said], str] = "only a supervisor may do that"
    failed: Told | None = None
    quiet: bool = False


def _enum_label(kind: type, value: str, default: str) -> str:
    try:
        return str(kind(value).label)
    except ValueError:
        return default


def _create(s: Said) -> str:
    sentence = f"{s.who} saved the report"
    if s.text("priority"):
        sentence += f" as {s.text('priority')}"
    site_id = s.detail.get("site_id")
    site = s.ctx.sites.get(int(site_id)) if isinstance(site_id, int | str) and str(site_id).isdigit() else None
    if site:
        sentence += f" for {site}"
    if s.text("cad_number"):
        sentence += f" (CAD event {s.text('cad_number')})"
    return sentence


def _link(s: Said) -> str:
    other = s.text("linked_to", "an earlier case")
    if s.record_id == s.ctx.case_number or not s.record_id:
        return f"{s.who} linked this report to {other}, the same threat reported earlier"
    return f"{s.who} linked the report {s.record_id} to this case as the same threat reported again"


def _status(s: Said) -> str:
    label = _enum_label(Status, s.text("to"), "") or s.summary_after_arrow()
    return f"{s.who} set the status to {label.lower()}" if label else f"{s.who} changed the status"


def _verification(s: Said) -> str:
    label = _enum_label(Verification, s.text("to"), "") or s.summary_after_arrow()
    return f"{s.who} set the verification to {label.lower()}" if label else f"{s.who} changed the verification"


def _raised(s: Said) -> str:
    change = f" from {s.text('from')} to {s.text('to')}" if s.text("from") and s.text("to") else ""
    return (f"The priority was raised{change} because {s.text('because', 'a linked report')} reported the same "
            "threat again")


def _override(s: Said) -> str:
    because = f" because {s.text('reason')}" if s.text("reason") else ""
    if s.text("from") and s.text("to"):
        return f"{s.who} changed the priority from {s.text('from')} to {s.text('to')}{because}"
    return f"{s.who} changed the priority{because}"


def _assign(s: Said) -> str:
    unit = s.text("unit") or s.summary_unit() or "a unit"
    kind = _enum_label(UnitKind, s.text("kind"), "")
    return f"{s.who} assigned {unit}" + (f" ({kind})" if kind else "")


def _unassign(s: Said) -> str:
    return f"{s.who} unassigned {s.text('unit') or s.summary_unit() or 'a unit'}"


def _close(s: Said) -> str:
    raw = s.detail.get("outcomes") or []
    labels = []
    for value in raw if isinstance(raw, list | tuple) else []:
        if value == Outcome.OTHER.value:
            labels.append(f"other: {s.text('other')}" if s.text("other") else "other")
        else:
            labels.append(_enum_label(Outcome, str(value), "an outcome not listed here").lower())
    return f"{s.who} closed the case — {', '.join(labels)}" if labels else f"{s.who} closed the case"


def _reopen(s: Said) -> str:
    return f"{s.who} reopened the case — {s.text('reason')}" if s.text("reason") else f"{s.who} reopened the case"


def _with_reason(verb: str) -> Told:
    def told(s: Said) -> str:
        return f"{s.who} {verb}: {s.text('reason')}" if s.text("reason") else f"{s.who} {verb}"
    return told


def _reveal(s: Said) -> str:
    return f"{s.who} revealed the juvenile suspects' identities" + (
        f" (reason: {s.text('reason')})" if s.text("reason") else "")


def _export_eido(s: Said) -> str:
    shown = s.count("identities_shown")
    sentence = f"{s.who} exported the case as an EIDO document"
    return sentence + (f", with {plural(shown, 'juvenile identity', 'juvenile identities')} shown" if shown else "")


def _export_refused(s: Said) -> str:
    return "sealed cases are never exported" if s.text("reason") == "sealed" else "not permitted"


def _notify(s: Said) -> str:
    queued, skipped = s.count("queued"), s.count("skipped")
    if not queued and skipped:
        return f"{s.who} notified no new units ({skipped} already notified)"
    sentence = f"{s.who} notified {plural(queued, 'unit')}"
    return sentence + (f" ({skipped} already notified)" if skipped else "")


def _overdue_units(s: Said) -> str:
    units = s.units("not_acknowledged")
    return f" from {units}" if units else ""


def _escalate(s: Said) -> str:
    if s.text("notified") and s.outcome != "failed":
        return (f"No acknowledgement in time{_overdue_units(s)}: escalated to {s.text('notified')} "
                f"(escalation {s.text('escalation', '1')})")
    return (f"No acknowledgement in time{_overdue_units(s)}, and the escalation failed: "
            f"{s.text('problem', 'no one to notify')}")


def _ack_overdue(s: Said) -> str:
    units = s.units("not_acknowledged")
    count = plural(s.count("not_acknowledged"), "unit")
    return f"No acknowledgement in time from {count}" + (f" ({units})" if units else "") + (
        "; the escalation limit is reached")


def _units_not_reached(s: Said) -> str:
    units = s.units("units")
    minutes = s.count("minutes") or 1
    alarm = f"Alarm: {plural(s.count('units'), 'unit')} not reached for {minutes} min"
    return alarm + (f" ({units})" if units else "")


def _alarm_shown(s: Said) -> str:
    return f"The units-not-reached alarm was shown to {s.who}"


def _follow_up_add(s: Said) -> str:
    due = f", due {s.clock('due_at')}" if s.text("due_at") else ""
    owner = f" for {s.text('owner')}" if s.text("owner") else ""
    what = f": {s.text('text')}" if s.text("text") else ""
    return f"{s.who} added a follow-up{owner}{due}{what}"


def _follow_up_done(s: Said) -> str:
    follow_up = s.detail.get("follow_up")
    text = s.text("text") or (s.ctx.follow_ups.get(follow_up, "") if isinstance(follow_up, int) else "")
    return f"{s.who} marked the follow-up done" + (f": {text}" if text else "")


def _page(s: Said) -> tuple[str, str]:
    """(unit, "notification" or "escalation") of a notification's entry."""
    unit = s.text("unit_id") or s.ctx.notifications.get(s.record_id, "") or "a unit"
    return unit, "escalation" if s.count("round") > 0 else "notification"


def _page_failed(s: Said) -> str:
    unit, kind = _page(s)
    return f"The {kind} to {unit} failed: {s.text('reason', 'no reason given')}"


def _page_retry(s: Said) -> str:
    unit, kind = _page(s)
    return f"{s.who} sent the failed {kind} to {unit} again"


def _report_export(s: Said) -> str:
    rows = s.count("rows")
    kind = s.text("kind")
    if kind == "audit_csv":
        return f"{s.who} exported the audit trail of this case ({plural(rows, 'entry', 'entries')})"
    if kind == "cases_csv":
        return f"{s.who} exported {plural(rows, 'case')} to a spreadsheet"
    return f"{s.who} exported a report of {plural(rows, 'case')}"


STEP_UP_PURPOSES = {"reveal": "revealing a juvenile's identity", "export": "exporting"}


def _step_up(s: Said) -> str:
    purpose = STEP_UP_PURPOSES.get(s.text("purpose"), "a sensitive action")
    return f"{s.who} confirmed with the second factor before {purpose}"


def _step_up_refused(s: Said) -> str:
    return {"locked": "the account is locked", "not_enrolled": "no second factor is set up",
            "no_center_key": "the center key is missing"}.get(s.text("reason"), "the code was not accepted")


def _eido_import(s: Said) -> str:
    issuer = f" sent by {s.text('issuer')}" if s.text("issuer") else ""
    return f"{s.who} filled the report from an EIDO document{issuer}"


def _filed_from_local(s: Said) -> str:
    return (f"{s.who}'s report was kept on the console while the database could not be reached, and filed when it "
            "could")


def _nothing(_s: Said) -> None:
    return None


WORDINGS: Mapping[str, Wording] = {
    "threat.create": Wording("save the report", _create),
    "threat.answered_corrected": Wording(
        "correct the answered time",
        lambda s: f"{s.who} corrected the answered time from {s.clock('stamped')} to {s.clock('corrected_to')}"),
    "threat.link": Wording("link the report", _link),
    "threat.priority_raised": Wording("raise the priority", _raised),
    "threat.priority_override": Wording("change the priority", _override),
    "threat.status": Wording("change the status", _status),
    "threat.verification": Wording("set the verification", _verification),
    "threat.note": Wording("add a note", _nothing, "not permitted", quiet=True),
    "threat.assign_unit": Wording("assign a unit", _assign),
    "threat.unassign_unit": Wording("unassign a unit", _unassign),
    "threat.close": Wording("close the case", _close),
    "threat.reopen": Wording("reopen the case", _reopen),
    "threat.reveal": Wording("reveal the juvenile suspects' identities", _reveal,
                             "no need-to-know permission for juvenile identities"),
    "threat.seal": Wording("seal the case", _with_reason("sealed the case"), "only a supervisor or an admin may"),
    "threat.unseal": Wording("unseal the case", _with_reason("unsealed the case"), "only an admin may"),
    "threat.view": Wording("open the case", lambda s: f"{s.who} opened the sealed case", "not permitted"),
    "threat.export_eido": Wording("export the case as an EIDO document", _export_eido, _export_refused),
    "threat.units_not_reached": Wording("raise the units alarm", _units_not_reached, failed=_units_not_reached),
    "threat.units_alarm_shown": Wording("show the units alarm", _alarm_shown),
    "threat.notify": Wording("notify units", _notify),
    "threat.escalate": Wording("escalate", _escalate, failed=_escalate),
    "threat.ack_overdue": Wording("escalate", _ack_overdue, failed=_ack_overdue),
    "followup.add": Wording("add a follow-up", _follow_up_add),
    "followup.done": Wording("mark a follow-up done", _follow_up_done),
    "notification.accepted": Wording("send a notification", _nothing, quiet=True),
    "notification.delivered": Wording("deliver a notification", _nothing, quiet=True),
    "notification.acknowledged": Wording("acknowledge a notification", _nothing, quiet=True),
    "notification.retrying": Wording("send a notification", _nothing, quiet=True),
    "notification.paused": Wording("send a notification", _nothing, "the backend refused the console's token",
                                   quiet=True),
    "notification.failed": Wording("send a notification", _page_failed, failed=_page_failed),
    "notification.retry": Wording("send a failed notification again", _page_retry),
    "report.export": Wording("export", _report_export, "not permitted"),
    "step_up": Wording("confirm with the second factor", _step_up, _step_up_refused),
    "draft.recover": Wording("recover a draft",
                             lambda s: f"{s.who} took the report back up from a draft kept by the console"),
    "draft.discard": Wording("discard a draft", lambda s: f"{s.who} discarded a draft"),
    "eido.import": Wording("import an EIDO document", _eido_import,
                           failed=lambda s: f"{s.who} tried to import an EIDO document; it was rejected"),
    "intake.filed_from_local": Wording("file a report kept on the console", _filed_from_local),
}
"""Every audit action that can concern a case, and how it reads (see the module docstring for the omitted ones)."""

NOT_ABOUT_A_CASE: frozenset[str] = frozenset({
    "sign_in", "sign_out", "screen.unlock",
    "operator.create", "operator.lock", "operator.release", "operator.role", "operator.enable", "operator.disable",
    "operator.password_reset", "operator.password_change", "operator.demo_enabled", "operator.demo_disabled",
    "second_factor.enrol", "second_factor.reset",
    "console.settings", "console.lock_exempt", "backend.settings", "sites.import",
})
"""Audit actions that name an operator, a console or the site directory and never a case: no timeline reads them."""

FAMILIES: Mapping[str, tuple[str, str]] = {
    "threat": ("the case", "act on the case"),
    "notification": ("a notification", "act on a notification"),
    "followup": ("a follow-up", "act on a follow-up"),
    "draft": ("the draft", "act on the draft"),
    "eido": ("an EIDO document", "act on an EIDO document"),
    "intake": ("the report", "act on the report"),
    "report": ("a report", "act on a report"),
}
"""For an action this console has no wording for (a newer console wrote it): what its family acts on."""


def _unknown(action: str) -> Wording:
    thing, attempt = FAMILIES.get(action.split(".", 1)[0], ("the case", "act on the case"))
    return Wording(attempt, lambda s: f"{s.who} recorded an action on {thing} (see the audit log)", "not permitted")


def wording(action: str) -> Wording:
    """The wording of ``action``; a generic one, by the action's family, for an action not in :data:`WORDINGS`."""
    return WORDINGS.get(action) or _unknown(action)


def audit_sentence(
    action: str, detail: Mapping[str, Any], outcome: str, who: str, ctx: CaseContext | None = None,
    *, record_id: str = "", at: datetime | None = None,
) -> str | None:
    """One audit entry as a sentence, or None when another line tells it already (a note's own audit entry)."""
    ctx = ctx or CaseContext(case_number=record_id)
    said = Said(who, action, outcome, record_id, detail, ctx, at)
    words = wording(action)
    if words.quiet:
        return None
    if outcome == "success":
        return words.told(said)
    if outcome == "denied":
        why = words.refused(said) if callable(words.refused) else words.refused
        return f"{who} tried to {words.attempt}; refused: {why}"
    if outcome == "stale":
        by = said.name("changed_by") if said.text("changed_by") else "another console"
        return f"{who} tried to {words.attempt}, but {by} had changed the case meanwhile; not applied"
    if words.failed is not None:
        return words.failed(said)
    return f"{who} tried to {words.attempt}; it failed"


def notification_sentences(
    unit: str, escalation: bool, state: str, acknowledged_at: datetime | None, acknowledged_by: str | None,
    failed_at: datetime | None, error: str | None, *, failure_audited: bool = False,
) -> Iterable[tuple[datetime, str, str]]:
    """(when, who, sentence) for the events of one notification worth a line: its acknowledgement or failure.

    ``failure_audited``: the failure has its own audit entries (one per failure), which tell it instead.
    """
    kind = "escalation" if escalation else "notification"
    if acknowledged_at is not None:
        by = f" ({acknowledged_by})" if acknowledged_by and acknowledged_by != unit else ""
        yield acknowledged_at, acknowledged_by or unit, f"{unit} acknowledged the {kind}{by}"
    if state == DeliveryState.FAILED and failed_at is not None and not failure_audited:
        yield failed_at, "backend", f"The {kind} to {unit} failed: {error or 'no reason given'}"


# --- the whole story ------------------------------------------------------------------------------------------


def story(
    audits: Sequence[AuditFact], notes: Iterable[NoteFact], notifications: Iterable[NotificationFact],
    ctx: CaseContext,
) -> list[Line]:
    """The case's lines, oldest first: audit entries (in log order), notes and acknowledgements/failures merged.

    ``audits`` must be in log order (entry id): whether a view is of a sealed case depends on the seals before it.
    """
    lines: list[Line] = []
    shown: dict[int, list[str]] = {}
    alarms = {a.entry_id for a in audits if a.action == ALARM_ACTION}
    for a in audits:
        alarm = a.detail.get("alarm")
        if a.action == ALARM_SHOWN_ACTION and isinstance(alarm, int) and alarm in alarms:
            names = shown.setdefault(alarm, [])
            if ctx.name(a.operator) not in names:
                names.append(ctx.name(a.operator))
    failures_audited = {a.record_id for a in audits if a.action == FAILED_ACTION}
    sealed = False
    for a in audits:
        if a.action in (SEAL_ACTION, UNSEAL_ACTION) and a.outcome == "success":
            sealed = a.action == SEAL_ACTION
        if a.action == VIEW_ACTION and (not sealed or a.outcome != "success"):
            continue  # see the module docstring: views are kept only while the case is sealed
        if a.action == ALARM_SHOWN_ACTION and a.detail.get("alarm") in shown:
            continue  # folded into the alarm's line
        who = ctx.name(a.operator)
        sentence = audit_sentence(a.action, a.detail, a.outcome, who, ctx, record_id=a.record_id, at=a.at)
        if sentence is None:
            continue
        if a.action == ALARM_ACTION and shown.get(a.entry_id):
            sentence += f"; shown to {', '.join(shown[a.entry_id])}"
        lines.append(Line(a.at, "audit", who, sentence))
    for n in notes:
        who = ctx.name(n.operator)
        lines.append(Line(n.at, "note", who, f"{who} noted: {n.text}"))
    for page in notifications:
        for at, who, sentence in notification_sentences(
            page.unit_id, page.escalation, page.state, page.acknowledged_at, page.acknowledged_by, page.failed_at,
            page.error, failure_audited=page.notification_id in failures_audited,
        ):
            lines.append(Line(at, "notification", who, sentence))
    lines.sort(key=lambda line: line.at)
    return lines
