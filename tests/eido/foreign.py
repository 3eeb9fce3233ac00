"""An EIDO as a neighbouring center's CAD sends it: standard fields only, HTML notes, parts this console never reads."""

from __future__ import annotations

import copy
import json
from typing import Any

from dispatch_console.domain.eido.pidf import civic_pidf

AGENCY = {"$ref": "cad.neighbor.example"}
STAMP = "2027-04-11T13:55:00Z"


def _p(component_id: str) -> dict[str, Any]:
    return {"$id": component_id, "lastUpdateTimeStamp": STAMP, "updatedByAgencyReference": AGENCY}


FOREIGN: dict[str, Any] = {
    **_p("urn:emergency:uid:incidentid:4471:cad.neighbor.example"),
    "eidoVersion": "1.0",
    "issuingElementIdentification": "cad1.neighbor.example",
    "agencyComponent": [{**_p("cad.neighbor.example"), "agencyRoleDescriptionRegistryText": ["CallReceiving"],
                         "agencyType": ["psap"]}],
    "incidentComponent": {
        **_p("inc-1"), "incidentTypeCommonRegistryText": "BOMB", "incidentTypeInternalText": "Bomb threat",
        "internalIncidentId": "2027-004471", "documentIdentification": ["CAD-2027-4471"],
        "locationReference": [{"$ref": "loc-1"}], "notesReference": [{"$ref": "note-1"}, {"$ref": "note-2"}],
    },
    "callComponent": [{
        **_p("call-1"), "callStateRegistryText": "callEnd", "standardPrimaryCallType": "emergency",
        "direction": "incoming", "callStartTimestamp": "2027-04-11T08:50:00-05:00",
        "personReference": [{"$ref": "person-1"}], "callBackReference": {"$ref": "cb-1"},
    }],
    "callbackComponent": [{**_p("cb-1"), "callBackInformationUri": ["sip:+18162347777@carrier.example",
                                                                     "tel:+18162347777"]}],
    "personComponent": [{**_p("person-1"), "personIncidentRoleRegistryText": ["Caller"],
                         "ncPersonComponent": {"name": [{"givenName": [{"value": "Jamie"}],
                                                         "surName": [{"value": "Fox"}]}]}}],
    "locationComponent": [{**_p("loc-1"), "locationTypeDescriptionRegistryText": "CurrentIncident",
                           "locationByValue": civic_pidf("137 Adams St, Riverton", entity="x")}],
    "notesComponent": [
        {**_p("note-1"), "notesActionComments": "<p>Caller found a note: <b>bomb</b> in the gym {[(</p>"},
        {**_p("note-2"), "notesActionComments": "Second call at 08:52 &amp; the same voice."},
    ],
    "vehicleComponent": [{**_p("veh-1"), "vehicleRelationshipType": ["Suspect"],
                          "vehicleRelationshipTimeStamp": STAMP}],
    "x-vendorExtension": {"color": "blue", "depth": [1, [2, [3]]]},
}


def foreign(**changes: Any) -> dict[str, Any]:
    """A deep copy of ``FOREIGN``; ``changes`` replace root keys (``None`` removes one)."""
    document = copy.deepcopy(FOREIGN)
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


def encoded(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8")
