"""Where each threat's row is in the queue model, found by bisecting the sorted keys instead of a renumbered dict.

The model keeps its rows in key order (``QueueModel._keys``, unique: the threat id ends every key). A dict of row
numbers had to be renumbered from the changed row to the end of the list on every insertion, removal or move: 2.6
ms per change at 10,000 open threats, 13 ms at 50,000, in Python on the GUI thread (issue 17). Remembering each
threat's key instead, its row number is one bisection away (O(log n)) and nothing needs renumbering: only the key of
a row that was put somewhere is recorded.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import Any


class RowPositions:
    """A mapping threat id → row number over ``keys`` (the model's sorted key list, shared, not copied)."""

    def __init__(self, keys: list[tuple[Any, ...]], key_of: dict[int, tuple[Any, ...]]) -> None:
        self._keys = keys
        self._key_of = key_of

    def get(self, threat_id: int) -> int | None:
        key = self._key_of.get(threat_id)
        return None if key is None else bisect.bisect_left(self._keys, key)

    def __getitem__(self, threat_id: int) -> int:
        return bisect.bisect_left(self._keys, self._key_of[threat_id])

    def __setitem__(self, threat_id: int, row: int) -> None:
        """Record that ``threat_id`` is now at ``row``: its key is the one there."""
        self._key_of[threat_id] = self._keys[row]

    def __delitem__(self, threat_id: int) -> None:
        del self._key_of[threat_id]

    def __contains__(self, threat_id: object) -> bool:
        return threat_id in self._key_of

    def __iter__(self) -> Iterator[int]:
        return iter(self._key_of)

    def __len__(self) -> int:
        return len(self._key_of)
