"""The text of a CSV file as a spreadsheet saved it: UTF-8, UTF-16 or Windows-1252, told apart without guessing.

Excel on Windows saves "CSV" in Windows-1252, "CSV UTF-8" with a byte-order mark and "Unicode text" in UTF-16 with
one. A school named "Sainte-Thérèse" must arrive as typed in every case, and a file whose encoding cannot be known
is refused in one sentence that says how to save it, never read as mojibake and never with a traceback.
"""

from __future__ import annotations

import codecs

# Longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
SAVE_AS = "save it from the spreadsheet as \"CSV UTF-8\" and import it again"


class CsvEncodingError(ValueError):
    """The bytes are not text in an encoding that can be known; the message is one sentence for the operator."""


def decode_csv(data: bytes) -> str:
    """The file's text: by its byte-order mark, else as UTF-8 when it is valid UTF-8, else as Windows-1252."""
    for mark, codec, name in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data.decode(codec).removeprefix("\ufeff")
            except UnicodeDecodeError:
                problem = f"the file starts like {name} text but is not valid {name}; {SAVE_AS}"
                raise CsvEncodingError(problem) from None
    if data.startswith(b"PK\x03\x04"):
        raise CsvEncodingError(f"this is a spreadsheet workbook (or another zip file), not CSV; {SAVE_AS}")
    if b"\x00" in data:
        raise CsvEncodingError(
            f"the file contains NUL bytes: UTF-16 without a byte-order mark, or not text at all; {SAVE_AS}"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise CsvEncodingError(
            f"the file is neither UTF-8 nor Windows-1252 text (byte 0x{data[error.start]:02X} at offset "
            f"{error.start}); {SAVE_AS}"
        ) from None
