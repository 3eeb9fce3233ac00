"""The queue tests reuse the UI tests' console fixtures (a fresh console per test, typed sign-in)."""

from tests.ui.conftest import make_console, sign_in

__all__ = ["make_console", "sign_in"]
