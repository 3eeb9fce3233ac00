"""The designated-units panel, in parts: table model, snapshot logic, widget, and the window's menu action.

Why a package: the panel grew to one module doing four jobs; each part now has its own module. The old path
``dispatch_console.ui.units_panel`` re-exports the public names, so nothing that imports it had to change.
"""
