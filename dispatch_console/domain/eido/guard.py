"""Untrusted bytes to JSON, safely: a size limit, a nesting limit checked before parsing, no NaN, paths in messages.

An EIDO arrives from another system (a CAD, a neighbouring center, a file someone mailed). ``json.loads`` on a
document nested a hundred thousand levels deep raises ``RecursionError``; on 10 MB it holds the GUI's worker for
seconds. So the size is checked first, then one pass over the text's structural characters finds the nesting depth
(and where it is exceeded) without recursion, and only then is the text parsed.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_BYTES = 2_000_000
"""An EIDO of one incident is a few kilobytes (a PIDF-LO document included); 2 MB leaves room for long notes."""
MAX_DEPTH = 32
"""NENA's deepest path (an ncPersonComponent's measure values) is about ten levels."""

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]', re.DOTALL)


class EidoError(ValueError):
    """The document cannot be imported; ``path`` is the JSON path of the problem (``$`` is the whole document)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def key_path(path: str, key: str) -> str:
    """``$.a`` + ``b`` -> ``$.a.b``; keys that are not plain names are quoted: ``$["a b"]``."""
    shown = key if len(key) <= 60 else key[:57] + "..."
    if re.fullmatch(r"[A-Za-z_@$][A-Za-z0-9_@$-]*", shown):
        return f"{path}.{shown}"
    return f"{path}[{json.dumps(shown, ensure_ascii=True)}]"


def _path(stack: list[list[Any]]) -> str:
    path = "$"
    for kind, key, _expect in stack:
        if kind == "[":
            path += f"[{key}]"
        elif key is not None:
            path = key_path(path, key)
    return path


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Raise ``EidoError`` naming the path where ``text`` nests deeper than ``limit`` (before any parsing)."""
    stack: list[list[Any]] = []  # [kind, key or index, expecting a key]
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            if len(stack) >= limit:
                raise EidoError(_path(stack), f"the document is nested more than {limit} levels deep here; an "
                                              "EIDO is never that deep, so the file is refused")
            stack.append([token, None if token == "{" else 0, token == "{"])
        elif token in "}]":
            if stack:
                stack.pop()
        elif token == ",":
            if stack:
                top = stack[-1]
                if top[0] == "[":
                    top[1] += 1
                else:
                    top[2] = True
        elif token == ":":
            if stack:
                stack[-1][2] = False
        elif stack and stack[-1][0] == "{" and stack[-1][2]:
            try:
                stack[-1][1] = str(json.loads(token))
            except ValueError:
                stack[-1][1] = token[1:-1]


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load(data: bytes, *, size: int | None = None) -> Any:
    """Parse ``data`` as JSON within the limits above (``size``: the whole file's, when only its start was read).

    Raises:
        EidoError: Too large, not UTF-8, nested too deep, or not JSON; the message says where and what to do.
    """
    size = max(size or 0, len(data))
    if size > MAX_BYTES:
        raise EidoError("$", f"the file is {size / 1_000_000:.1f} MB; an EIDO of one incident is a few "
                             f"kilobytes, and files over {MAX_BYTES // 1_000_000} MB are refused")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise EidoError("$", f"the file is not UTF-8 text (byte {problem.start} is not valid), so it is not an "
                             "EIDO JSON document") from None
    check_depth(text)
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as problem:
        raise EidoError("$", f"the file is not valid JSON ({problem.msg} at line {problem.lineno}, column "
                             f"{problem.colno})") from None
    except (ValueError, RecursionError) as problem:
        raise EidoError("$", f"the file is not valid JSON ({problem})") from None
