"""The designated-units panel (kept as the import path every caller knows; the code lives in ``ui.units``).

Why this module still exists: the queue's detail pane loads the panel by this path (``importlib``, so the units
feature stays optional), and tests and benchmarks import from it; it only re-exports.
"""

from __future__ import annotations

from dispatch_console.domain.enums import UnitStatus
from dispatch_console.ui.units.menu_action import NOTIFY_SHORTCUT
from dispatch_console.ui.units.model import UnitRow, UnitsModel
from dispatch_console.ui.units.panel import REFRESH_MS, ROSTER_TTL, UnitsPanel

__all__ = ["NOTIFY_SHORTCUT", "REFRESH_MS", "ROSTER_TTL", "UnitRow", "UnitStatus", "UnitsModel", "UnitsPanel"]
