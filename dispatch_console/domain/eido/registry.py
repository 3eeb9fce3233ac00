"""Every registry value the console writes into an EIDO, with the registry it comes from.

NENA's schema types these fields as plain strings; their allowed values live in NENA and IANA registries. Where a
registry does not cover what the console records (a threat desk's unit kinds, outcomes), the value is the console's
own choice and ``OWN_CHOICE`` says so; the README's EIDO section is generated from ``TABLE`` by hand and the tests
check it lists every row.
"""

from __future__ import annotations

from dataclasses import dataclass

EIDO_VERSION = "1.0"  # the only value of eidoVersion's enum in NENA's openapi.yaml 1.0.0


@dataclass(frozen=True)
class RegistryValue:
    field: str
    value: str
    registry: str
    own_choice: bool = False


INCIDENT_TYPE = "THREATS"  # APCO ANS 2.103.2 common incident type (the EIDO incident type registry)
INCIDENT_TYPE_INTERNAL_CODE = "terroristic_threat"  # the console's report category (domain.threat.CATEGORY)
INCIDENT_TYPE_INTERNAL_TEXT = "Threat of mass violence"
AGENCY_ROLE = "CallReceiving"
AGENCY_TYPE = "psap"
AGENT_ROLE_CALL_TAKER = "Call Taking"
AGENT_ROLE_OTHER = "Dispatching"
CALL_STATE = "callEnd"
CALL_TYPE = "emergency"
CALL_DIRECTION = "incoming"
LOCATION_TYPE = "CurrentIncident"
PERSON_ROLE_CALLER = "Caller"
PERSON_ROLE_SUSPECT = "Suspect"
RESOURCE_TYPE = "LawEnforcement"
UNIT_STATUS_DISPATCHED = "Dispatched"
UNIT_STATUS_ASSIGNED = "Assigned"
LINK_DIRECTION = "PARENT"  # the linked case is the original this duplicate report belongs to
# Outcome (domain.enums.Outcome) -> dispositionCommonRegistryCode.
DISPOSITIONS: dict[str, str] = {
    "unfounded": "UNFOUNDED",
    "no_suspect": "NO_SUSPECT",
    "suspect_identified": "SUSPECT_IDENTIFIED",
    "in_custody": "ARREST",
    "charged": "CHARGED",
    "juvenile_referral": "JUVENILE_REFERRAL",
    "cit_contact": "CIT_CONTACT",
    "social_worker_referral": "SOCIAL_SERVICES_REFERRAL",
    "mental_health_treatment": "MENTAL_HEALTH_REFERRAL",
    "school_discipline": "SCHOOL_DISCIPLINE",
    "other": "OTHER",
}

TABLE: tuple[RegistryValue, ...] = (
    RegistryValue("eidoVersion", EIDO_VERSION, "NENA-STA-021.1b schema enum"),
    RegistryValue("incidentTypeCommonRegistryText", INCIDENT_TYPE,
                  "EIDO Incident Type registry (APCO ANS 2.103.2 common incident types)"),
    RegistryValue("incidentTypeInternalCode", INCIDENT_TYPE_INTERNAL_CODE, "the console's report category",
                  own_choice=True),
    RegistryValue("agencyRoleDescriptionRegistryText", AGENCY_ROLE, "EIDO Agency Role registry"),
    RegistryValue("agencyType", AGENCY_TYPE, "IANA urn:emergency:service:responder registry"),
    RegistryValue("agentRoleRegistryText", AGENT_ROLE_CALL_TAKER, "EIDO Agent Role registry (the call-taker)"),
    RegistryValue("agentRoleRegistryText", AGENT_ROLE_OTHER,
                  "EIDO Agent Role registry (supervisors, note authors)", own_choice=True),
    RegistryValue("callStateRegistryText", CALL_STATE, "IANA Call States registry"),
    RegistryValue("standardPrimaryCallType", CALL_TYPE, "LogEvent CallTypes registry (Primary)"),
    RegistryValue("direction", CALL_DIRECTION, "NENA-STA-021.1b schema enum"),
    RegistryValue("locationTypeDescriptionRegistryText", LOCATION_TYPE, "EIDO Location Type registry"),
    RegistryValue("personIncidentRoleRegistryText", PERSON_ROLE_CALLER, "EIDO Person Role registry"),
    RegistryValue("personIncidentRoleRegistryText", PERSON_ROLE_SUSPECT, "EIDO Person Role registry",
                  own_choice=True),
    RegistryValue("emergencyResourceTypeCommonRegistryText", RESOURCE_TYPE, "EIDO Emergency Resource Type registry",
                  own_choice=True),
    RegistryValue("primaryUnitStatusRegistryText", UNIT_STATUS_DISPATCHED,
                  "EIDO Primary Unit Status registry (a unit that was notified)", own_choice=True),
    RegistryValue("primaryUnitStatusRegistryText", UNIT_STATUS_ASSIGNED,
                  "EIDO Primary Unit Status registry (designated, not yet notified)", own_choice=True),
    RegistryValue("linkDirectionCode", LINK_DIRECTION, "NENA-STA-021.1b schema enum"),
    *(RegistryValue("dispositionCommonRegistryCode", code, f"Common Disposition Code registry (outcome {outcome})",
                    own_choice=True) for outcome, code in DISPOSITIONS.items()),
)
