"""The designated-units panel, in parts: table model, snapshot logic, widget, and the window's menu action.

Why a package: the panel grew to one module doing four jobs; each part now has its own module, and callers import
each name from the module that defines it (``ui.units.panel.UnitsPanel``, ``ui.units.model.UnitsModel`` …).
"""
