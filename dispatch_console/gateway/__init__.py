"""The console's side of the backend notification API v1 and the project's reference backend.

``client`` and ``retry`` are what the console uses to notify units; ``server`` (with ``store`` and ``demo_units``)
is the reference backend used by training mode and the tests; ``contract`` holds the typed payloads both share.
This package imports only the stdlib, ``requests`` and ``dispatch_console.domain`` (import-linter enforces it), so
the reference backend can run as a plain process without Qt or SQLAlchemy.
"""
