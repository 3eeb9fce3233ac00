"""The console context is typed and the old re-export paths are gone, so mypy checks every use.

A string-keyed dict of ``Any`` (``ctx.services["current_threat_id"]()``) let a typo or a changed signature through
to run time; shims that re-export names from their new homes kept two import paths alive; and a units panel that
imported its menu action which imported it back was an import circle held together by ``TYPE_CHECKING``.
"""

from __future__ import annotations

import dataclasses
import importlib.util

import grimp

from dispatch_console.services import dispatcher
from dispatch_console.ui.context import ConsoleContext


def test_the_context_has_no_untyped_bag_of_services() -> None:
    fields = {f.name: str(f.type) for f in dataclasses.fields(ConsoleContext)}  # annotations, as written
    assert "services" not in fields
    assert [name for name, hint in fields.items() if "Any" in hint] == []


def test_no_shim_reexports_names_defined_elsewhere() -> None:
    assert importlib.util.find_spec("dispatch_console.ui.units_panel") is None
    foreign = [name for name in dispatcher.__all__ if getattr(dispatcher, name).__module__ != dispatcher.__name__]
    assert foreign == []


def test_the_units_panel_and_its_menu_action_do_not_import_each_other() -> None:
    graph = grimp.build_graph("dispatch_console")  # counts imports under TYPE_CHECKING too
    assert not graph.chain_exists(importer="dispatch_console.ui.units.menu_action",
                                  imported="dispatch_console.ui.units.panel")
