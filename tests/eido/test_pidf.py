"""A site's address travels as a PIDF-LO civic address and comes back as the very same line, whatever it says."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_console.domain.eido.pidf import address_line, civic_parts, civic_pidf, read_civic_address

# What an address field can hold once the intake has cleaned it: printable text, no surrounding spaces.
ADDRESSES = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn")), max_size=80).map(str.strip)


def test_a_directory_address_is_split_into_its_civic_parts() -> None:
    assert civic_parts("100 Park Ave, Riverton") == {"HNO": "100", "RD": "Park Ave", "A3": "Riverton"}
    assert civic_parts("12B Mill Rd, Riverton, MO 64150") == {"HNO": "12B", "RD": "Mill Rd", "A3": "Riverton",
                                                              "A1": "MO", "PC": "64150"}
    assert civic_parts("behind the mall, by the loading dock, north side, MO") == {
        "LOC": "behind the mall, by the loading dock, north side, MO"}


@settings(max_examples=300, deadline=None)
@given(ADDRESSES)
def test_any_address_comes_back_unchanged_from_its_parts_and_from_the_pidf_document(address: str) -> None:
    assert address_line(civic_parts(address)) == address
    assert read_civic_address(civic_pidf(address, entity="urn:emergency:uid:incidentid:TT-1:x")) == address
