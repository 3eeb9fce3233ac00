"""The domain core: rules, validation and priority, in plain Python.

Nothing here imports Qt, SQLAlchemy or requests, so every rule can be read and tested on its own. An import-linter
contract in ``pyproject.toml`` keeps it that way.
"""
