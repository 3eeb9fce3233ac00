"""Reading a request body as JSON without letting a hostile body crash the reference backend's handler.

``json.loads`` turns some bodies into exceptions that are not ``JSONDecodeError`` (an integer of more than 4,300
digits raises a plain ``ValueError``, deep nesting a ``RecursionError``), and a body that parses can still be nested
deep enough to hit the recursion limit later, when it is fingerprinted with ``json.dumps``. Each of those used to
escape the handler, so the client saw the connection cut with no answer. Here each becomes a :class:`BodyError`
the backend answers with ``422 invalid_request``.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
"""A notification request is 4 levels deep; 32 leaves room for extensions and stays far below the recursion limit."""


class BodyError(ValueError):
    """The body cannot be read as JSON; ``str(error)`` says why in words for the error's ``fields.body``."""


def parse_json_body(raw: bytes) -> Any:
    """Decode UTF-8 JSON, refusing bodies that are too deep or have numbers too long to convert.

    Raises:
        BodyError: Not UTF-8, not JSON, nested deeper than :data:`MAX_DEPTH`, or a number too long to read.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("not valid UTF-8 JSON") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise BodyError(f"nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError:
        raise BodyError("not valid UTF-8 JSON") from None
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
        raise BodyError("a number has more digits than this backend reads") from None
    if _deeper_than(data, MAX_DEPTH):
        raise BodyError(f"nested deeper than {MAX_DEPTH} levels")
    return data


def _deeper_than(data: Any, limit: int) -> bool:
    """Iterative depth check (a recursive one would fail on exactly the bodies it is meant to catch)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
