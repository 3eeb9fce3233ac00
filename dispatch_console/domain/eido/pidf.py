"""A site's civic address as a PIDF-LO document (RFC 4119 / RFC 5139), and back.

The site directory stores one address line ("100 Park Ave, Riverton"); PIDF-LO wants its parts. The split is kept
only when joining the parts gives the very same line back; otherwise the whole line goes into ``LOC`` (additional
location information), so an export never changes an address and an import gets back exactly what was sent.

Reading is of untrusted XML: a document type declaration (the door to entity expansion) is refused before the
parser sees the text, and only the civic address elements are read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

PIDF = "urn:ietf:params:xml:ns:pidf"
GP = "urn:ietf:params:xml:ns:pidf:geopriv10"
CA = "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"
MAX_PIDF_CHARS = 20_000

_HOUSE = re.compile(r"^(\d+[A-Za-z]?)\s+(\S.*)$")
_REGION = re.compile(r"^([A-Za-z]{2})(?:\s+(\d{5}(?:-\d{4})?))?$")


class PidfError(ValueError):
    """The location document cannot be read; the message says why."""


def civic_parts(address: str) -> dict[str, str]:
    """Split an address line into civic address elements (HNO, RD, A3, A1, PC, or LOC alone)."""
    parts = [p.strip() for p in address.split(",")]
    parts_ok = 1 <= len(parts) <= 3 and all(parts)
    found: dict[str, str] = {}
    if parts_ok:
        house = _HOUSE.match(parts[0])
        if house:
            found["HNO"], found["RD"] = house.group(1), house.group(2)
        else:
            found["RD"] = parts[0]
        if len(parts) > 1:
            found["A3"] = parts[1]
        if len(parts) > 2:
            region = _REGION.match(parts[2])
            if region is None:
                found = {}
            else:
                found["A1"] = region.group(1)
                if region.group(2):
                    found["PC"] = region.group(2)
    if not found or address_line(found) != address:
        return {"LOC": address} if address else {}
    return found


def address_line(parts: dict[str, str]) -> str:
    """The address line of civic address elements (the inverse of ``civic_parts``)."""
    street = " ".join(p for p in (parts.get("HNO", ""), parts.get("RD", "")) if p)
    region = " ".join(p for p in (parts.get("A1", ""), parts.get("PC", "")) if p)
    return ", ".join(p for p in (street, parts.get("A3", ""), region, parts.get("LOC", "")) if p)


def civic_pidf(address: str, *, entity: str, country: str = "US") -> str:
    """A PIDF-LO document with the civic address of ``address``."""
    elements = {"country": country, **civic_parts(address)}
    civic = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in elements.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<presence xmlns="{PIDF}" xmlns:gp="{GP}" entity="{escape(entity, {chr(34): "&quot;"})}">'
        f'<tuple id="target"><status><gp:geopriv><gp:location-info>'
        f'<civicAddress xmlns="{CA}">{civic}</civicAddress>'
        f"</gp:location-info><gp:usage-rules/></gp:geopriv></status></tuple></presence>"
    )


def read_civic_address(document: str) -> str:
    """The address line of the first civic address in a PIDF-LO document ("" when it has none).

    Raises:
        PidfError: The text is too long, declares a document type, or is not well-formed XML.
    """
    if len(document) > MAX_PIDF_CHARS:
        raise PidfError(f"the location document is {len(document):,} characters long (at most {MAX_PIDF_CHARS:,})")
    if "<!" in document:
        raise PidfError("the location document declares a document type or entities, which are not accepted")
    try:
        root = ET.fromstring(document)
    except ET.ParseError as problem:
        raise PidfError(f"the location document is not well-formed XML ({problem})") from None
    civic = root.find(f".//{{{CA}}}civicAddress")
    if civic is None:
        return ""
    parts = {child.tag.split("}", 1)[-1]: (child.text or "").strip() for child in civic}
    return address_line(parts)
