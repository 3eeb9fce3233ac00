"""Reading an EIDO from another system into what the intake form can show: checked field by field, path by path.

Everything the console reads is type-checked where it is read, and every problem raises ``EidoError`` with the
JSON path (``$.personComponent[2].ncPersonComponent.birthDate[0].date[0].value``), so the call-taker (or the CAD
administrator) sees what to fix, never a traceback. What the console does not read is not judged: fields it does not
know inside a component are ignored, and root components it does not know are handed back in ``unknown`` to be kept
with the case as they are.

A document this console wrote carries its own details (see ``build.CONSOLE_DETAILS_KEY``); they are read with the
same care, because a file can claim to be anything.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any

from dispatch_console.domain.eido import registry as reg
from dispatch_console.domain.eido.build import CONSOLE_DETAILS_FORMAT, CONSOLE_DETAILS_KEY
from dispatch_console.domain.eido.guard import EidoError, key_path, load
from dispatch_console.domain.eido.pidf import PidfError, read_civic_address
from dispatch_console.domain.eido.typed import (
    MAX_TEXT,
    as_object,
    get_array,
    get_flag,
    get_ref,
    get_refs,
    get_strings,
    get_text,
    get_timestamp,
    kind_of,
)

COMPONENT_ARRAYS = (
    "callComponent", "callbackComponent", "agencyComponent", "agentComponent", "locationComponent",
    "personComponent", "notesComponent", "emergencyResourceComponent", "dispatchComponent", "linkComponent",
    "additionalDataComponent", "mergeComponent",
)
KNOWN_ROOT = frozenset({
    "$id", "lastUpdateTimeStamp", "updatedByAgencyReference", "updatedByAgentReference", "eidoVersion",
    "issuingElementIdentification", "incidentComponent", "eidoExtensionId", "@context", *COMPONENT_ARRAYS,
})
_CASE_IN_URN = re.compile(r"^urn:emergency:uid:incidentid:([A-Za-z0-9-]{1,40}):")


@dataclass(frozen=True)
class ImportedSuspect:
    name: str = ""
    date_of_birth: date | None = None
    age: int | None = None
    description: str = ""
    school: str = ""
    grade: str = ""
    social_handles: str = ""
    weapon_access: bool = False


@dataclass(frozen=True)
class ImportedIncident:
    """What an EIDO says, in the intake's terms (empty where the document says nothing)."""

    incident_id: str
    issuer: str
    from_console: bool
    received_at: datetime | None = None
    internal_id: str = ""
    incident_type: str = ""
    incident_type_text: str = ""
    cad_event_number: str = ""
    caller_name: str = ""
    callback_number: str = ""
    confidential_reporter: bool = False
    caller_relation: str = ""
    learned_how: str = ""
    evidence: str = ""
    target_kind: str = ""
    target_name: str = ""
    target_address: str = ""
    site_hint: str = ""
    division: str = ""
    named_persons: str = ""
    threatened_text: str = ""
    threatened_at: datetime | None = None
    statement: str = ""
    narrative: str = ""
    weapons: tuple[str, ...] = ()
    weapon_access: bool = False
    indicators: tuple[str, ...] = ()
    suspects: tuple[ImportedSuspect, ...] = ()
    linked_to: str = ""
    unknown: tuple[tuple[str, Any], ...] = field(default=())


# --- the document -------------------------------------------------------------------------------------------------
class _Components:
    """The document's components by ``$id`` (checked: objects, each with a string ``$id``)."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.by_id: dict[str, tuple[str, dict[str, Any]]] = {}
        self.lists: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for name in COMPONENT_ARRAYS:
            items = []
            for index, item in enumerate(get_array(root, name, "$")):
                path = f"$.{name}[{index}]"
                component = as_object(item, path)
                component_id = get_text(component, "$id", path, required=True)
                self.by_id.setdefault(component_id, (path, component))
                items.append((path, component))
            self.lists[name] = items

    def get(self, component_id: str, expected: str, where: str) -> tuple[str, dict[str, Any]]:
        found = self.by_id.get(component_id)
        if found is None or not found[0].startswith(f"$.{expected}["):
            raise EidoError(where, f"refers to {component_id[:80]!r}, which is not in the document's {expected}")
        return found


class _TextOf(HTMLParser):
    """The text of an HTML5 note: tags dropped, ``<br>`` and block ends as line breaks, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "div", "li"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def note_text(markup: str) -> str:
    if "<" not in markup and "&" not in markup:
        return markup
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def _person_name(nc: dict[str, Any], path: str) -> str:
    """``name[0].fullName[0].value``, else the given, middle and surnames joined."""
    names = get_array(nc, "name", path)
    if not names:
        return ""
    first = as_object(names[0], f"{path}.name[0]")

    def part(key: str) -> str:
        values = get_array(first, key, f"{path}.name[0]")
        where = f"{path}.name[0].{key}[0]"
        return get_text(as_object(values[0], where), "value", where) if values else ""

    return part("fullName") or " ".join(p for p in map(part, ("givenName", "middleName", "surName")) if p)


def _first_value(nc: dict[str, Any], key: str, path: str, inner: str = "") -> Any:
    values = get_array(nc, key, path)
    if not values:
        return None
    item = as_object(values[0], f"{path}.{key}[0]")
    if inner:
        nested = get_array(item, inner, f"{path}.{key}[0]")
        if not nested:
            return None
        item = as_object(nested[0], f"{path}.{key}[0].{inner}[0]")
        return item.get("value"), f"{path}.{key}[0].{inner}[0].value"
    return item.get("value"), f"{path}.{key}[0].value"


def _suspect(component: dict[str, Any], path: str, extra: dict[str, Any]) -> ImportedSuspect:
    nc_path = f"{path}.ncPersonComponent"
    nc = as_object(component.get("ncPersonComponent", {}), nc_path)
    name = _person_name(nc, nc_path)
    dob: date | None = None
    found = _first_value(nc, "birthDate", nc_path, "date")
    if found is not None and found[0] is not None:
        value, where = found
        try:
            dob = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            dob = None
        if dob is None:
            raise EidoError(where, f"expected a date like 2011-03-04, found {str(value)[:40]!r}")
    age: int | None = None
    found = _first_value(nc, "ageMeasure", nc_path, "integerValue")
    if found is not None and found[0] is not None:
        value, where = found
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 130 or value != int(
                value):
            raise EidoError(where, f"expected an age in whole years (0 to 130), found {str(value)[:20]!r}")
        age = int(value)
    description = ""
    found = _first_value(nc, "description", nc_path)
    if found is not None and found[0] is not None:
        value, where = found
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise EidoError(where, f"expected a text, found {kind_of(value)}")
        description = value
    return ImportedSuspect(name=name, date_of_birth=dob, age=age, description=description,
                           school=extra.get("school", ""), grade=extra.get("grade", ""),
                           social_handles=extra.get("socialHandles", ""),
                           weapon_access=bool(extra.get("weaponAccess", False)))


def _console_details(components: _Components) -> dict[str, Any]:
    """This console's own details, if the document carries them (checked like everything else)."""
    for path, component in components.lists["additionalDataComponent"]:
        text = get_text(component, "additionalDataByValue", path)
        if f'"{CONSOLE_DETAILS_KEY}"' not in text:
            continue
        where = f"{path}.additionalDataByValue"
        try:
            details = json.loads(text)
        except ValueError:
            raise EidoError(where, "claims to hold the console's details but is not valid JSON") from None
        details = as_object(details, where)
        if details.get(CONSOLE_DETAILS_KEY) != CONSOLE_DETAILS_FORMAT:
            raise EidoError(key_path(where, CONSOLE_DETAILS_KEY),
                            f"unknown details format {str(details.get(CONSOLE_DETAILS_KEY))[:20]!r}; this console "
                            f"reads format {CONSOLE_DETAILS_FORMAT}")
        for key in ("targetKind", "callerRelation", "learnedHow", "evidence", "namedPersons", "threatenedText",
                    "statementNote", "narrativeNote", "detailsNote"):
            if details.get(key) is not None:
                get_text(details, key, where)
        for key in ("weapons", "indicators"):
            get_strings(details, key, where)
        for key in ("weaponAccess", "confidentialCaller"):
            get_flag(details, key, where)
        if details.get("threatenedAt") is not None:
            get_timestamp(details, "threatenedAt", where)
        persons = as_object(details.get("persons", {}), key_path(where, "persons"))
        for person_id, extra in persons.items():
            person_path = key_path(key_path(where, "persons"), person_id)
            extra = as_object(extra, person_path)
            for key in ("school", "grade", "socialHandles"):
                get_text(extra, key, person_path)
            get_flag(extra, "weaponAccess", person_path)
        details["_path"] = where
        return details
    return {}


def read_document(data: bytes, *, size: int | None = None) -> ImportedIncident:
    """Check and read an EIDO (bytes as they came; ``size`` of the whole file if only its start was read).

    See the module docstring. Raises ``EidoError``.
    """
    root = as_object(load(data, size=size), "$")
    version = root.get("eidoVersion")
    if version != reg.EIDO_VERSION:
        found = "it missing" if "eidoVersion" not in root else f"{kind_of(version)}: {json.dumps(version)[:20]}"
        raise EidoError("$.eidoVersion", f"this console reads EIDO version \"{reg.EIDO_VERSION}\"; found {found}")
    incident_id = get_text(root, "$id", "$", required=True)
    get_timestamp(root, "lastUpdateTimeStamp", "$", required=True)
    if "updatedByAgencyReference" not in root:
        raise EidoError("$.updatedByAgencyReference", "a required field is missing")
    get_ref(root, "updatedByAgencyReference", "$")
    issuer = get_text(root, "issuingElementIdentification", "$", required=True)
    if "agencyComponent" not in root:
        raise EidoError("$.agencyComponent", "a required field is missing")
    components = _Components(root)
    for _path, agency in components.lists["agencyComponent"]:
        get_strings(agency, "agencyRoleDescriptionRegistryText", _path)
    unknown = tuple((key_path("$", key), value) for key, value in root.items() if key not in KNOWN_ROOT)

    incident = as_object(root.get("incidentComponent", {}), "$.incidentComponent")
    ipath = "$.incidentComponent"
    details = _console_details(components)
    fields: dict[str, Any] = {
        "internal_id": get_text(incident, "internalIncidentId", ipath),
        "incident_type": get_text(incident, "incidentTypeCommonRegistryText", ipath, required=bool(incident)),
        "incident_type_text": get_text(incident, "incidentTypeInternalText", ipath),
        "division": get_text(incident, "beatOrDispatchGroupText", ipath),
    }
    documents = get_strings(incident, "documentIdentification", ipath)
    fields["cad_event_number"] = documents[0] if documents else ""

    calls = components.lists["callComponent"]
    call_path, call = calls[0] if calls else ("$.callComponent[0]", {})
    if call:
        fields["received_at"] = get_timestamp(call, "callStartTimestamp", call_path, required=True)

    # the caller: the call's person, else the first person whose role is Caller
    caller: tuple[str, dict[str, Any]] | None = None
    call_persons = get_refs(call, "personReference", call_path) if call else []
    if call_persons:
        caller = components.get(call_persons[0], "personComponent", f"{call_path}.personReference[0]")
    suspects: list[ImportedSuspect] = []
    person_extra = details.get("persons", {})
    for path, person in components.lists["personComponent"]:
        roles = [r.casefold() for r in get_strings(person, "personIncidentRoleRegistryText", path)]
        if reg.PERSON_ROLE_SUSPECT.casefold() in roles:
            suspects.append(_suspect(person, path, person_extra.get(person["$id"], {})))
        elif caller is None and reg.PERSON_ROLE_CALLER.casefold() in roles:
            caller = (path, person)
    if caller is not None:
        path, person = caller
        nc_path = f"{path}.ncPersonComponent"
        nc = as_object(person.get("ncPersonComponent", {}), nc_path)
        if not details.get("confidentialCaller"):
            fields["caller_name"] = _person_name(nc, nc_path)
        callback_ref = get_ref(person, "callBackReference", path) or (
            get_ref(call, "callBackReference", call_path) if call else "")
        if callback_ref:
            cb_path, callback = components.get(callback_ref, "callbackComponent", f"{path}.callBackReference")
            uris = get_strings(callback, "callBackInformationUri", cb_path)
            tel = next((u for u in uris if u.lower().startswith("tel:")), "")
            fields["callback_number"] = tel[4:].split(";", 1)[0]

    # the location: the incident's, else the call's, else the first one
    location_refs = (get_refs(incident, "locationReference", ipath) if incident else []) or (
        get_refs(call, "locationReference", call_path) if call else [])
    location: tuple[str, dict[str, Any]] | None = None
    if location_refs:
        location = components.get(location_refs[0], "locationComponent", f"{ipath}.locationReference[0]")
    elif components.lists["locationComponent"]:
        location = components.lists["locationComponent"][0]
    if location is not None:
        path, place = location
        get_text(place, "locationTypeDescriptionRegistryText", path, required=True)
        fields["target_name"] = get_text(place, "locationDescriptionText", path)
        pidf = get_text(place, "locationByValue", path)
        if pidf:
            try:
                fields["target_address"] = read_civic_address(pidf)
            except PidfError as problem:
                raise EidoError(f"{path}.locationByValue", str(problem)) from None
        identifiers = get_strings(place, "localIdentifier", path)
        fields["site_hint"] = identifiers[0] if identifiers else ""

    # the notes: this console's statement and narrative by id; from anyone else, every note is the statement
    note_refs = get_refs(incident, "notesReference", ipath) if incident else []
    notes = ([components.get(r, "notesComponent", f"{ipath}.notesReference[{i}]") for i, r in enumerate(note_refs)]
             if note_refs else components.lists["notesComponent"])
    texts = {component["$id"]: note_text(get_text(component, "notesActionComments", path, required=True))
             for path, component in notes}
    if details:
        fields["statement"] = texts.get(details.get("statementNote") or "", "")
        fields["narrative"] = texts.get(details.get("narrativeNote") or "", "")
    else:
        fields["statement"] = "\n\n".join(t.strip() for t in texts.values() if t.strip())

    for path, link in components.lists["linkComponent"]:
        direction = get_text(link, "linkDirectionCode", path, required=True)
        tracking = get_text(link, "incidentTrackingIdentifier", path, required=True)
        case_in_urn = _CASE_IN_URN.match(tracking)
        if direction == reg.LINK_DIRECTION and case_in_urn:
            fields["linked_to"] = case_in_urn.group(1).upper()
            break

    if details:
        fields.update(
            target_kind=details.get("targetKind") or "", caller_relation=details.get("callerRelation") or "",
            learned_how=details.get("learnedHow") or "", evidence=details.get("evidence") or "",
            named_persons=details.get("namedPersons") or "", threatened_text=details.get("threatenedText") or "",
            threatened_at=(get_timestamp(details, "threatenedAt", details["_path"])
                           if details.get("threatenedAt") is not None else None),
            weapons=tuple(details.get("weapons") or ()), weapon_access=bool(details.get("weaponAccess")),
            indicators=tuple(details.get("indicators") or ()),
            confidential_reporter=bool(details.get("confidentialCaller")),
        )
    return ImportedIncident(incident_id=incident_id, issuer=issuer, from_console=bool(details),
                            suspects=tuple(suspects), unknown=unknown, **fields)


def import_note(incident: ImportedIncident) -> str:
    """One line for the narrative of a draft from another system: where it came from and what it was."""
    parts = [f"Imported from EIDO {incident.incident_id[:120]} (issued by {incident.issuer[:80]})"]
    if incident.incident_type:
        kind = incident.incident_type + (f" - {incident.incident_type_text}" if incident.incident_type_text else "")
        parts.append(f"incident type {kind}")
    if incident.internal_id:
        parts.append(f"their incident {incident.internal_id}")
    if incident.cad_event_number:
        parts.append(f"CAD event {incident.cad_event_number}")
    return "; ".join(parts) + "."


__all__ = ["EidoError", "ImportedIncident", "ImportedSuspect", "import_note", "note_text", "read_document"]
