"""Typed access to an untrusted JSON document: each reader checks the type where it reads, and names the path.

``get_text(obj, "notesActionComments", "$.notesComponent[0]")`` returns the string or raises ``EidoError`` with
``$.notesComponent[0].notesActionComments: expected a string, found a number``. Texts and arrays have limits, so a
document cannot make the console hold a million entries or a megabyte-long name.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from dispatch_console.domain.eido.guard import EidoError, key_path

MAX_TEXT = 100_000
MAX_ITEMS = 500
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def as_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EidoError(path, f"expected an object, found {kind_of(value)}")
    return value


def kind_of(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def get_text(obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> str:
    where = key_path(path, key)
    if key not in obj:
        if required:
            raise EidoError(where, "a required field is missing")
        return ""
    value = obj[key]
    if not isinstance(value, str):
        raise EidoError(where, f"expected a string, found {kind_of(value)}")
    if len(value) > MAX_TEXT:
        raise EidoError(where, f"the text is {len(value):,} characters long (at most {MAX_TEXT:,})")
    return value


def get_flag(obj: dict[str, Any], key: str, path: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise EidoError(key_path(path, key), f"expected true or false, found {kind_of(value)}")
    return value


def get_array(obj: dict[str, Any], key: str, path: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise EidoError(key_path(path, key), f"expected an array, found {kind_of(value)}")
    if len(value) > MAX_ITEMS:
        raise EidoError(key_path(path, key), f"has {len(value):,} entries (at most {MAX_ITEMS})")
    return value


def get_strings(obj: dict[str, Any], key: str, path: str) -> list[str]:
    items = get_array(obj, key, path)
    where = key_path(path, key)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise EidoError(f"{where}[{index}]", f"expected a string, found {kind_of(item)}")
    return items


def get_ref(obj: dict[str, Any], key: str, path: str) -> str:
    if key not in obj:
        return ""
    return ref_of(obj[key], key_path(path, key))


def ref_of(value: Any, path: str) -> str:
    reference = as_object(value, path)
    return get_text(reference, "$ref", path, required=True)


def get_refs(obj: dict[str, Any], key: str, path: str) -> list[str]:
    where = key_path(path, key)
    return [ref_of(item, f"{where}[{i}]") for i, item in enumerate(get_array(obj, key, path))]


def get_timestamp(obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> datetime | None:
    text = get_text(obj, key, path, required=required)
    if not text:
        return None
    where = key_path(path, key)
    if not _DATE_TIME.match(text):
        raise EidoError(where, f"expected an RFC 3339 date-time with offset (e.g. 2026-04-12T15:10:00Z), "
                               f"found {text[:40]!r}")
    try:
        return datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        raise EidoError(where, f"{text[:40]!r} is not a real date and time") from None
