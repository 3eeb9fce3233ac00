"""EIDO export and import: what leaves the console about one threat, and what an EIDO from a CAD may put in a draft.

Export follows the rules of every export (``services.exports``): sealed cases never leave (a non-admin is not even
told the case exists), a confidential caller never appears (no name, no callback number), and a juvenile suspect's
identity is written only after this operator's audited reveal of the case (``services.privacy``); otherwise the
masked description ("juvenile, 15, grade 9, Central High School"). Every export is audited
(``threat.export_eido``) in the transaction that read the case.

Import never saves a threat: it reads the document (``domain.eido.read``, every field checked, every problem named
by its JSON path), matches the location against the site directory, and returns a draft for the intake form, which
the call-taker checks and saves. Components the console does not read are kept as they came
(``EidoAttachment``) against that draft, and the save of the draft attaches them to the new case
(``adopt_attachments``, called by ``intake.save_threat``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from dispatch_console.db.engine import AuditedRefusal
from dispatch_console.db.models import AssignedUnit, EidoAttachment, Note, Notification, ThreatRow
from dispatch_console.domain.eido.build import build_document
from dispatch_console.domain.eido.case import CaseNote, CasePerson, CaseUnit, EidoCase, Issuer
from dispatch_console.domain.eido.guard import EidoError
from dispatch_console.domain.eido.read import ImportedIncident, import_note, read_document
from dispatch_console.domain.enums import (
    CallerRelation,
    Indicator,
    LearnedHow,
    Outcome,
    TargetKind,
    Weapon,
)
from dispatch_console.domain.masking import describe, show_suspect
from dispatch_console.domain.sites import Site
from dispatch_console.domain.text import plural
from dispatch_console.domain.threat import SuspectInput, ThreatInput
from dispatch_console.services import audit
from dispatch_console.services.actor import Actor
from dispatch_console.services.clock import utcnow
from dispatch_console.services.privacy import can_see, facts, find_case, is_revealed
from dispatch_console.services.sites import all_sites
from dispatch_console.settings import Settings

log = logging.getLogger(__name__)

EXPORT_ACTION = "threat.export_eido"
IMPORT_ACTION = "eido.import"
CONFIDENTIAL_CALLER = "(confidential reporter: identity withheld)"
DRAFT_FORMAT = 1  # ui.intake.draft_state.DRAFT_FORMAT: the intake form's draft layout


class EidoRefused(AuditedRefusal):
    """The export is not allowed (a sealed case); the refusal is audited and committed."""


class EidoRejected(AuditedRefusal):
    """The document cannot be imported; ``path`` names the JSON path of the problem. The refusal is audited."""

    def __init__(self, problem: EidoError) -> None:
        super().__init__(f"The EIDO was not imported: at {problem.path}, {problem.problem}. Nothing was changed.")
        self.path = problem.path


def issuer_from(settings: Settings) -> Issuer:
    """This console and agency as EIDO names them (see the README for the settings)."""
    agency = settings.eido_agency_id.strip() or "agency.invalid"
    element = settings.eido_element_id.strip() or f"{settings.console_name}.{agency}"
    return Issuer(element_id=element, agency_id=agency, agency_name=settings.eido_agency_name.strip())


def labels() -> dict[str, str]:
    """Stored values to the words operators read, for the export's plain-language notes."""
    words: dict[str, str] = {}
    for kind in (Weapon, Indicator, CallerRelation, LearnedHow, TargetKind, Outcome):
        for member in kind:
            words.setdefault(member.value, member.label)
    return words


def cad_event_and_answer(row: ThreatRow) -> tuple[str | None, datetime | None]:
    """The threat's CAD event number (``documentIdentification``) and when the call was answered (``answerDate``).

    ``received_at`` is the call's answered time (stamped at the first keystroke or F8, corrected with Alt+W).
    """
    return row.cad_number or None, row.received_at


def _units(session: Session, threat_id: int) -> tuple[CaseUnit, ...]:
    assigned = {u.unit_id: u for u in session.execute(
        select(AssignedUnit).where(AssignedUnit.threat_id == threat_id).order_by(AssignedUnit.id)).scalars()}
    sent: dict[str, list[Notification]] = {}
    for n in session.execute(select(Notification).where(Notification.threat_id == threat_id)
                             .order_by(Notification.created_at, Notification.id)).scalars():
        sent.setdefault(n.unit_id, []).append(n)
    units = []
    for unit_id in [*assigned, *(u for u in sent if u not in assigned)]:
        rows = sent.get(unit_id, [])
        first = rows[0] if rows else None
        acks = [n.acknowledged_at for n in rows if n.acknowledged_at is not None]
        a = assigned.get(unit_id)
        units.append(CaseUnit(
            unit_id=unit_id, kind=a.kind if a else "",
            assigned_at=a.assigned_at if a else (first.created_at if first else utcnow()),
            assigned_by=a.assigned_by if a else (first.created_by if first else ""),
            notified_at=first.created_at if first else None, notified_by=first.created_by if first else "",
            state=rows[-1].state if rows else "", acknowledged_at=min(acks) if acks else None,
        ))
    return tuple(units)


def snapshot(session: Session, *, actor: Actor, threat_id: int) -> EidoCase:
    """The case as it may leave the console for ``actor`` (see the module docstring for the rules)."""
    row = session.execute(select(ThreatRow).where(ThreatRow.id == threat_id)
                          .options(selectinload(ThreatRow.suspects))).scalar_one()
    # Juvenile identities: this operator's audited reveal of the case (``privacy.reveal``). The console asks for the
    # second factor again (step-up) before the reveal and before the export itself (``ui.queue.eido_export``).
    revealed = is_revealed(session, actor=actor, threat_id=threat_id)
    suspects = []
    for s in row.suspects:
        f = facts(s)
        shown = show_suspect(f, revealed=revealed)
        if shown.masked:
            suspects.append(CasePerson(age=s.age, description=describe(f), juvenile=True, masked=True,
                                       school=s.school, grade=s.grade, weapon_access=bool(s.weapon_access)))
        else:
            suspects.append(CasePerson(name=s.name, date_of_birth=s.date_of_birth, age=s.age,
                                       description=s.description, juvenile=bool(s.juvenile), school=s.school,
                                       grade=s.grade, social_handles=s.social_handles,
                                       weapon_access=bool(s.weapon_access)))
    caller: CasePerson | None = None
    if row.confidential_reporter:
        caller = CasePerson(description=CONFIDENTIAL_CALLER, confidential=True)
    elif row.caller_name or row.callback_number:
        caller = CasePerson(name=row.caller_name, callback=row.callback_number)
    linked_to: str | None = None
    if row.linked_to_id is not None:
        original = session.get(ThreatRow, row.linked_to_id)
        if original is not None and not original.sealed:
            linked_to = original.case_number
    notes = tuple(CaseNote(n.text, n.at, n.operator) for n in session.execute(
        select(Note).where(Note.threat_id == threat_id).order_by(Note.at, Note.id)).scalars())
    cad_event, answered_at = cad_event_and_answer(row)
    return EidoCase(
        case_number=row.case_number, received_at=row.received_at, call_taker=row.call_taker,
        updated_at=row.updated_at, updated_by=row.updated_by or row.call_taker, status=row.status,
        priority=row.priority, target_kind=row.target_kind, target_name=row.target_name,
        target_address=row.target_address, division=row.division, statement=row.statement, site_id=row.site_id,
        answered_at=answered_at, cad_event_number=cad_event, caller=caller, caller_relation=row.caller_relation,
        learned_how=row.learned_how, evidence=row.evidence, named_persons=row.named_persons,
        threatened_text=row.threatened_text, threatened_at=row.threatened_at, narrative=row.narrative,
        weapons=tuple(row.weapons or ()), weapon_access=bool(row.weapon_access),
        indicators=tuple(row.indicators or ()), suspects=tuple(suspects), notes=notes,
        units=_units(session, threat_id), outcomes=tuple(row.outcomes or ()), outcome_other=row.outcome_other,
        closed_at=row.closed_at, linked_to=linked_to,
    )


def export_threat(session: Session, *, actor: Actor, case_number: str = "", threat_id: int | None = None,
                  issuer: Issuer) -> dict[str, Any]:
    """The EIDO document of one case, audited as ``threat.export_eido`` (a write session).

    Raises:
        privacy.CaseNotFound: No such case (or a sealed one, for a non-admin).
        EidoRefused: The case is sealed (an admin sees it, but sealed cases never leave); audited.
    """
    case = find_case(session, actor=actor, threat_id=threat_id, case_number=case_number)
    if case.sealed or not can_see(actor, sealed=case.sealed):
        audit.record(session, actor=actor, action=EXPORT_ACTION, record_type="threat", record_id=case.case_number,
                     outcome="denied", detail={"reason": "sealed"})
        raise EidoRefused(f"{case.case_number} is sealed; sealed cases are never exported.")
    data = snapshot(session, actor=actor, threat_id=case.threat_id)
    document = build_document(data, issuer, labels=labels())
    audit.record(session, actor=actor, action=EXPORT_ACTION, record_type="threat", record_id=case.case_number,
                 detail={"element": issuer.element_id, "suspects": len(data.suspects),
                         "identities_shown": sum(1 for s in data.suspects if s.juvenile and not s.masked),
                         "caller": "confidential" if data.caller and data.caller.confidential else
                         ("yes" if data.caller else "none")})
    log.info("EIDO export of one case written")  # never a name
    return document


def write_document(document: dict[str, Any], path: Path) -> None:
    """Write the document as UTF-8 JSON (atomically: a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


# --- import -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EidoImport:
    """An imported EIDO, ready for the intake form.

    Attributes:
        incident: What the document says.
        site: The site directory entry its location matched, if any.
        linked_to: The local case it is a duplicate report of, when that case exists here and is visible.
        draft: The intake form's draft (restore it into the form; nothing is saved until the call-taker saves).
        draft_id: The draft's id; unknown components are kept against it.
        kept: How many unknown components were kept as attachments.
    """

    incident: ImportedIncident
    site: Site | None
    linked_to: str | None
    draft: dict[str, Any]
    draft_id: str
    kept: int

    def summary(self) -> str:
        """One line for the call-taker: what came in, and what to do next."""
        where = self.site.name if self.site else (self.incident.target_name or self.incident.target_address
                                                  or "no location")
        kept = (f"; {plural(self.kept, 'part')} the console does not read "
                f"{'is' if self.kept == 1 else 'are'} kept with the case") if self.kept else ""
        return (f"EIDO imported ({where}){kept}. Check every field with the caller's information, then save with "
                "Ctrl+S; nothing is saved until you do.")


def match_site(sites: list[Site], incident: ImportedIncident) -> Site | None:
    """The directory's site named (or aliased) like the incident's location, else the one at its address."""
    name = incident.target_name.casefold().strip()
    address = incident.target_address.casefold().strip()
    for site in sites:
        if name and name in (site.name.casefold(), *(a.casefold() for a in site.aliases)):
            return site
    for site in sites:
        if address and address == site.address.casefold().strip():
            return site
    return None


def _values(values: tuple[str, ...], kind: type[Weapon] | type[Indicator]) -> list[str]:
    known = {m.value for m in kind}
    return sorted(v for v in set(values) if v in known)


def _member(value: str, kind: Any) -> Any:
    return kind(value) if value in {m.value for m in kind} else None


def threat_input(imported: EidoImport) -> ThreatInput:
    """The import as the intake's ``ThreatInput`` (what saving the unchanged draft records)."""
    i, site = imported.incident, imported.site
    narrative = i.narrative if i.from_console else "\n".join(p for p in (import_note(i), i.narrative) if p)
    return ThreatInput(
        caller_name=i.caller_name, callback_number=i.callback_number,
        caller_relation=_member(i.caller_relation, CallerRelation), confidential_reporter=i.confidential_reporter,
        learned_how=_member(i.learned_how, LearnedHow), evidence=i.evidence,
        target_kind=_member(i.target_kind, TargetKind) or (site.kind if site else None),
        site_id=site.site_id if site else None, target_name=i.target_name or (site.name if site else ""),
        target_address=i.target_address, division=i.division or (site.division if site else ""),
        named_persons=i.named_persons, threatened_text=i.threatened_text, threatened_at=i.threatened_at,
        statement=i.statement, narrative=narrative,
        weapons=frozenset(Weapon(w) for w in _values(i.weapons, Weapon)), weapon_access=i.weapon_access,
        indicators=frozenset(Indicator(v) for v in _values(i.indicators, Indicator)),
        suspects=[SuspectInput(name=s.name, date_of_birth=s.date_of_birth, age=s.age, school=s.school,
                               grade=s.grade, description=s.description, social_handles=s.social_handles,
                               weapon_access=s.weapon_access) for s in i.suspects],
        linked_to=imported.linked_to,
    )


def _draft(imported: EidoImport, *, now: datetime) -> dict[str, Any]:
    data = threat_input(imported)
    received = imported.incident.received_at or now
    return {
        "format": DRAFT_FORMAT, "received_at": received.isoformat(),
        "caller_name": data.caller_name, "callback_number": data.callback_number,
        "caller_relation": data.caller_relation.value if data.caller_relation else None,
        "confidential_reporter": data.confidential_reporter,
        "learned_how": data.learned_how.value if data.learned_how else None, "evidence": data.evidence,
        "target_kind": data.target_kind.value if data.target_kind else None, "site_id": data.site_id,
        "target_name": data.target_name, "target_address": data.target_address, "division": data.division,
        "named_persons": data.named_persons, "threatened_text": data.threatened_text, "time_choice": -1,
        "statement": data.statement, "narrative": data.narrative,
        "weapons": sorted(w.value for w in data.weapons), "weapon_access": data.weapon_access,
        "indicators": sorted(v.value for v in data.indicators),
        "suspects": [{"name": s.name, "date_of_birth": s.date_of_birth.isoformat() if s.date_of_birth else "",
                      "age": "" if s.age is None else str(s.age), "school": s.school, "grade": s.grade,
                      "description": s.description, "social_handles": s.social_handles,
                      "weapon_access": s.weapon_access} for s in data.suspects],
        "linked_to": data.linked_to,
        # Not shown by today's form; issue 11's CAD event number field reads it once it exists.
        "cad_event_number": imported.incident.cad_event_number,
    }


def import_document(session: Session, *, actor: Actor, data: bytes, source: str, draft_id: str,
                    now: datetime | None = None, size: int | None = None) -> EidoImport:
    """Read an EIDO into a draft for ``draft_id`` and keep its unknown components (a write session).

    ``size`` is the whole file's when ``data`` is only its start (a 10 MB file is not read to be refused).

    Raises:
        EidoRejected: The document is malformed or hostile; the message names the JSON path (audited).
    """
    moment = now or utcnow()
    source = source[-300:]
    try:
        incident = read_document(data, size=size)
    except EidoError as problem:
        audit.record(session, actor=actor, action=IMPORT_ACTION, record_type="draft", record_id=draft_id,
                     outcome="failed", detail={"source": source, "path": problem.path[:200],
                                               "problem": problem.problem[:300]})
        raise EidoRejected(problem) from None
    site = match_site(all_sites(session), incident)
    linked: str | None = None
    if incident.linked_to:
        found = session.execute(select(ThreatRow.case_number, ThreatRow.sealed)
                                .where(ThreatRow.case_number == incident.linked_to)).first()
        if found is not None and can_see(actor, sealed=bool(found.sealed)):
            linked = str(found.case_number)
    for path, content in incident.unknown:
        session.add(EidoAttachment(draft_id=draft_id, incident_id=incident.incident_id[:300], source=source,
                                   path=path[:300], content=content, imported_at=moment,
                                   imported_by=actor.username))
    result = EidoImport(incident, site, linked, {}, draft_id, len(incident.unknown))
    result = EidoImport(incident, site, linked, _draft(result, now=moment), draft_id, len(incident.unknown))
    audit.record(session, actor=actor, action=IMPORT_ACTION, record_type="draft", record_id=draft_id,
                 detail={"source": source, "incident": incident.incident_id[:200], "issuer": incident.issuer[:200],
                         "kept_components": len(incident.unknown), "site_id": site.site_id if site else None})
    return result


def adopt_attachments(session: Session, *, draft_id: str, threat_id: int) -> int:
    """Give the attachments kept against ``draft_id`` to the case saved from it (the save's transaction)."""
    result = session.execute(update(EidoAttachment).where(EidoAttachment.draft_id == draft_id,
                                                          EidoAttachment.threat_id.is_(None))
                             .values(threat_id=threat_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def attachments_of(session: Session, *, threat_id: int) -> list[tuple[str, Any]]:
    """The kept components of a case, as (JSON path in the original document, content), oldest first."""
    rows = session.execute(select(EidoAttachment.path, EidoAttachment.content)
                           .where(EidoAttachment.threat_id == threat_id).order_by(EidoAttachment.id))
    return [(str(path), content) for path, content in rows]
