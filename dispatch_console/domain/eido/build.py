"""Building one EIDO document for one threat.

Layout (the NENA-STA-021.1b root and the components the console uses): the document's ``$id`` is the incident's
URN ``urn:emergency:uid:incidentid:<case number>:<agency id>``; every component carries the prologue (``$id``,
``lastUpdateTimeStamp``, ``updatedByAgencyReference``, ``updatedByAgentReference``) and points at the others with
``{"$ref": <$id>}``. Every referenced agent, location, person, note and unit is listed in the document's own
arrays, so a receiver never meets a dangling reference (``references`` checks that; the tests run it on every
export).

What only this console records (the caller's relation, weapons, indicators, the threatened time as the caller said
it, a suspect's school) has no EIDO field. It travels twice: as a plain-language "threat details" note every CAD
shows, and as one ``additionalDataComponent`` holding a JSON object (``CONSOLE_DETAILS_KEY``) that a console reads
back on import, so a round trip keeps every field. Ids other than the incident, call, agency and agents are
name-based UUIDs of the incident id, so exporting the same case twice gives the same ids.

Notes are HTML5 in EIDO: text is escaped and line breaks become ``<br>``, so a statement a caller dictated with
``<script>`` in it is shown as text by a receiving CAD.
"""

from __future__ import annotations

import html
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from dispatch_console.domain.eido import registry as reg
from dispatch_console.domain.eido.case import CasePerson, EidoCase, Issuer
from dispatch_console.domain.eido.pidf import civic_pidf

CONSOLE_DETAILS_KEY = "dispatchConsoleDetails"
CONSOLE_DETAILS_FORMAT = 1
Json = dict[str, Any]


def timestamp(moment: datetime) -> str:
    """RFC 3339 with an explicit offset (UTC), as ``format: date-time`` requires."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime in an EIDO; pass an aware datetime")
    return moment.astimezone(UTC).isoformat()


def incident_id(case_number: str, agency_id: str) -> str:
    return f"urn:emergency:uid:incidentid:{case_number}:{agency_id}"


def notes_html(text: str) -> str:
    """Plain text as the HTML5 ``notesActionComments`` wants: escaped, line breaks kept as ``<br>``."""
    return "<br>".join(html.escape(line, quote=False) for line in text.split("\n"))


def ref(target: str) -> Json:
    return {"$ref": target}


class _Builder:
    def __init__(self, case: EidoCase, issuer: Issuer) -> None:
        self.case = case
        self.issuer = issuer
        self.incident = incident_id(case.case_number, issuer.agency_id)
        self.agents: dict[str, Json] = {}

    def local_id(self, name: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self.incident}/{name}')}"

    def agent(self, username: str) -> str:
        """The agent's ``$id`` (``user@agency``); the component is listed once however often it is referenced."""
        agent_id = f"{username}@{self.issuer.agency_id}"
        if agent_id not in self.agents:
            role = reg.AGENT_ROLE_CALL_TAKER if username == self.case.call_taker else reg.AGENT_ROLE_OTHER
            self.agents[agent_id] = {
                **self.prologue(agent_id, self.case.received_at, by=None),
                "agentRoleRegistryText": [role],
                "agencyReference": ref(self.issuer.agency_id),
            }
        return agent_id

    def prologue(self, component_id: str, at: datetime, *, by: str | None = "") -> Json:
        """The common prologue; ``by`` is the updating operator's user name ("" = whoever last edited the case,
        ``None`` = no agent, for the agency and the agents themselves)."""
        body: Json = {"$id": component_id, "lastUpdateTimeStamp": timestamp(at),
                      "updatedByAgencyReference": ref(self.issuer.agency_id)}
        who = (self.case.updated_by or self.case.call_taker) if by == "" else by
        if who:
            body["updatedByAgentReference"] = ref(self.agent(who))
        return body

    def person(self, key: str, person: CasePerson, role: str) -> Json:
        nc: Json = {}
        if person.name:
            nc["name"] = [{"fullName": [{"value": person.name}]}]
        if person.date_of_birth is not None:
            nc["birthDate"] = [{"date": [{"value": person.date_of_birth.isoformat()}]}]
        if person.age is not None:
            nc["ageMeasure"] = [{"integerValue": [{"value": person.age}], "unit": [{"value": "years"}]}]
        if person.description:
            nc["description"] = [{"value": person.description}]
        component: Json = {**self.prologue(self.local_id(key), self.case.updated_at),
                           "personIncidentRoleRegistryText": [role]}
        if nc:
            component["ncPersonComponent"] = nc
        return component

    def note(self, key: str, text: str, at: datetime, author: str) -> Json:
        return {**self.prologue(self.local_id(key), at, by=author),
                "notesActionComments": notes_html(text), "agentReference": ref(self.agent(author))}


def details_text(case: EidoCase, labels: dict[str, str]) -> str:
    """The plain-language note of what EIDO has no field for (``labels`` turns stored values into words)."""

    def words(values: tuple[str, ...]) -> str:
        return ", ".join(labels.get(v, v) for v in values)

    lines = [
        ("Target kind", labels.get(case.target_kind, case.target_kind)),
        ("Threatened time", case.threatened_text),
        ("Weapons", words(case.weapons)),
        ("Weapon seen or access known", "yes" if case.weapon_access else ""),
        ("Indicators", words(case.indicators)),
        ("Caller", labels.get(case.caller_relation, case.caller_relation)),
        ("Learned how", labels.get(case.learned_how, case.learned_how)),
        ("Evidence", case.evidence),
        ("Named persons", case.named_persons),
        ("Linked to", case.linked_to or ""),
    ]
    return "\n".join(f"{title}: {value}" for title, value in lines if value)


def build_document(case: EidoCase, issuer: Issuer, *, labels: dict[str, str] | None = None) -> Json:
    """The EIDO document for ``case`` (a JSON-ready dict); ``labels`` words the details note (default: raw values)."""
    b = _Builder(case, issuer)
    agency = issuer.agency_id
    call_taker = b.agent(case.call_taker)
    details: Json = {
        CONSOLE_DETAILS_KEY: CONSOLE_DETAILS_FORMAT,
        "targetKind": case.target_kind, "callerRelation": case.caller_relation, "learnedHow": case.learned_how,
        "evidence": case.evidence, "namedPersons": case.named_persons, "threatenedText": case.threatened_text,
        "threatenedAt": timestamp(case.threatened_at) if case.threatened_at else None,
        "weapons": list(case.weapons), "weaponAccess": case.weapon_access, "indicators": list(case.indicators),
        "confidentialCaller": bool(case.caller and case.caller.confidential), "persons": {},
    }

    persons: list[Json] = []
    callbacks: list[Json] = []
    if case.caller is not None:
        caller = b.person("person/caller", case.caller, reg.PERSON_ROLE_CALLER)
        if case.caller.callback:
            callback_id = b.local_id("callback/caller")
            callbacks.append({**b.prologue(callback_id, case.received_at),
                              "callBackInformationUri": [f"tel:{case.caller.callback}"]})
            caller["callBackReference"] = ref(callback_id)
        persons.append(caller)
    for number, suspect in enumerate(case.suspects, start=1):
        component = b.person(f"person/suspect/{number}", suspect, reg.PERSON_ROLE_SUSPECT)
        persons.append(component)
        details["persons"][component["$id"]] = {
            "juvenile": suspect.juvenile, "masked": suspect.masked, "school": suspect.school,
            "grade": suspect.grade, "socialHandles": suspect.social_handles, "weaponAccess": suspect.weapon_access,
        }

    location: Json = {**b.prologue(b.local_id("location/target"), case.updated_at),
                      "locationTypeDescriptionRegistryText": reg.LOCATION_TYPE}
    if case.target_name:
        location["locationDescriptionText"] = case.target_name
    if case.target_address:
        location["locationByValue"] = civic_pidf(case.target_address, entity=b.incident)
    if case.site_id is not None:
        location["localIdentifier"] = [f"site:{case.site_id}"]

    notes = [b.note("note/statement", case.statement, case.received_at, case.call_taker)]
    details["statementNote"] = notes[0]["$id"]
    if case.narrative:
        notes.append(b.note("note/narrative", case.narrative, case.received_at, case.call_taker))
        details["narrativeNote"] = notes[-1]["$id"]
    summary = details_text(case, labels or {})
    if summary:
        notes.append(b.note("note/details", summary, case.received_at, case.call_taker))
        details["detailsNote"] = notes[-1]["$id"]
    for number, note in enumerate(case.notes, start=1):
        notes.append(b.note(f"note/{number}", note.text, note.at, note.operator))

    resources: list[Json] = []
    dispatches: dict[str, list[tuple[datetime, Json]]] = {}
    for unit in case.units:
        notified = unit.notified_at is not None
        dispatcher = unit.notified_by or unit.assigned_by
        last = unit.acknowledged_at or unit.notified_at or unit.assigned_at
        resource: Json = {
            **b.prologue(b.local_id(f"unit/{unit.unit_id}"), last, by=dispatcher),
            "agentReference": [ref(b.agent(dispatcher))],
            "emergencyResourceTypeCommonRegistryText": reg.RESOURCE_TYPE,
            "emergencyResourceTypeInternalText": unit.kind,
            "resourceAttributeRegistryText": [],
            "emergencyResourceName": unit.unit_id,
            "primaryUnitStatusRegistryText": reg.UNIT_STATUS_DISPATCHED if notified else reg.UNIT_STATUS_ASSIGNED,
            "secondaryUnitStatusRegistryText": [],
            "unitStatusInternal": [unit.state or "assigned"],
        }
        resources.append(resource)
        if unit.notified_at is not None:
            dispatches.setdefault(dispatcher, []).append((unit.notified_at, resource))
    dispatch_components = [
        {**b.prologue(b.local_id(f"dispatch/{agent}"), min(at for at, _ in units), by=agent),
         "agencyReference": ref(agency), "agentReference": ref(b.agent(agent)),
         "emergencyResourceReference": [ref(r["$id"]) for _, r in units]}
        for agent, units in dispatches.items()
    ]

    incident: Json = {
        **b.prologue(b.local_id("incident"), case.updated_at),
        "incidentTypeCommonRegistryText": reg.INCIDENT_TYPE,
        "incidentTypeInternalCode": reg.INCIDENT_TYPE_INTERNAL_CODE,
        "incidentTypeInternalText": reg.INCIDENT_TYPE_INTERNAL_TEXT,
        "incidentStatusInternalText": [case.status],
        "internalIncidentId": case.case_number,
        "incidentPriorityInternalText": case.priority,
        "incidentCommonPriorityNumber": int(case.priority[1:]) if case.priority[1:].isdigit() else 0,
        "agentReference": [ref(call_taker)],
        "locationReference": [ref(location["$id"])],
        "notesReference": [ref(n["$id"]) for n in notes],
    }
    if case.division:
        incident["beatOrDispatchGroupText"] = case.division
    if case.cad_event_number:
        incident["documentIdentification"] = [case.cad_event_number]
    if persons:
        incident["personReference"] = [ref(p["$id"]) for p in persons]
    if case.closed_at is not None and case.outcomes:
        incident["dispositionComponent"] = [
            {**b.prologue(b.local_id(f"disposition/{outcome}"), case.closed_at),
             "dispositionCommonRegistryCode": reg.DISPOSITIONS.get(outcome, "OTHER"),
             "dispositionPrimaryIndicator": index == 0,
             "dispositionDescriptionText": (case.outcome_other if outcome == "other" and case.outcome_other
                                            else (labels or {}).get(outcome, outcome))}
            for index, outcome in enumerate(case.outcomes)
        ]

    additional: Json = {**b.prologue(b.local_id("console-details"), case.updated_at),
                        "additionalDataByValue": json.dumps(details, ensure_ascii=False, sort_keys=True)}
    call: Json = {
        **b.prologue(f"urn:emergency:uid:callid:{case.case_number}:{agency}", case.received_at,
                     by=case.call_taker),
        "callStateRegistryText": reg.CALL_STATE,
        "standardPrimaryCallType": reg.CALL_TYPE,
        "direction": reg.CALL_DIRECTION,
        "callStartTimestamp": timestamp(case.received_at),
        "agentReference": [ref(call_taker)],
        "locationReference": [ref(location["$id"])],
        "additionalDataReference": [ref(additional["$id"])],
    }
    if case.answered_at is not None:
        call["answerDate"] = timestamp(case.answered_at)
    if persons and case.caller is not None:
        call["personReference"] = [ref(persons[0]["$id"])]
    if callbacks:
        call["callBackReference"] = ref(callbacks[0]["$id"])

    agency_component: Json = {
        **b.prologue(agency, case.received_at, by=None),
        "agencyRoleDescriptionRegistryText": [reg.AGENCY_ROLE],
        "agencyType": [reg.AGENCY_TYPE],
        "incidentOwningAgencyIndicator": True,
    }
    if issuer.agency_name:
        agency_component["agencyJcard"] = json.dumps(
            ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", issuer.agency_name]]])

    links: list[Json] = []
    if case.linked_to:
        links.append({**b.prologue(b.local_id("link/original"), case.updated_at),
                      "incidentTrackingIdentifier": incident_id(case.linked_to, agency),
                      "linkDirectionCode": reg.LINK_DIRECTION,
                      "transactionReasonText": f"Duplicate report of {case.linked_to}"})

    components: list[tuple[str, list[Json]]] = [
        ("callComponent", [call]), ("callbackComponent", callbacks), ("agencyComponent", [agency_component]),
        ("agentComponent", list(b.agents.values())), ("locationComponent", [location]),
        ("personComponent", persons), ("notesComponent", notes), ("emergencyResourceComponent", resources),
        ("dispatchComponent", dispatch_components), ("linkComponent", links),
        ("additionalDataComponent", [additional]),
    ]
    stamps = [_parse(c["lastUpdateTimeStamp"]) for _, items in components for c in items]
    stamps.append(case.updated_at)
    document: Json = {
        "$id": b.incident,
        "lastUpdateTimeStamp": timestamp(max(stamps)),
        "updatedByAgencyReference": ref(agency),
        "updatedByAgentReference": ref(b.agent(case.updated_by or case.call_taker)),
        "eidoVersion": reg.EIDO_VERSION,
        "issuingElementIdentification": issuer.element_id,
        "incidentComponent": incident,
    }
    for name, items in components:
        if items:
            document[name] = items
    document["agentComponent"] = list(b.agents.values())  # agents met while building the rest are listed too
    return document


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def references(document: Json) -> list[str]:
    """Every ``$ref`` in ``document`` that names no component ``$id`` of the document (empty when all resolve)."""
    ids: set[str] = set()
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$id"), str):
                ids.add(node["$id"])
            if isinstance(node.get("$ref"), str) and len(node) == 1:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return [r for r in refs if r not in ids]
