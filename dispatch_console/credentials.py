"""Secrets (backend token, database password) through the OS keyring, and only there.

keyring silently falls back to a "fail" backend when no Secret Service runs, and to a plaintext file when
``keyrings.alt`` is installed. Neither is acceptable for a police backend token, so such backends are refused with a
message that says what to do; the console then offers to keep the secret in memory for this run only.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Protocol

SERVICE = "dispatch-console"
BACKEND_TOKEN = "backend-token"
CENTER_KEY = "center-key"
"""The center-wide AES key that seals operators' TOTP secrets in the database (see ``services.center_key``)."""


def database_password_key(user: str, host: str, database: str) -> str:
    return f"database:{user}@{host}/{database}"


class CredentialError(Exception):
    """A secret could not be stored or read; the message is safe to show (it never contains the secret)."""


class InsecureKeyringError(CredentialError):
    """No secure keyring: ``found`` says in words what the keyring library found, ``needed`` what would do."""

    def __init__(self, found: str, needed: str) -> None:
        self.found = found
        self.needed = needed
        super().__init__(
            f"No secure keyring is available on this computer (found: {found}). Secrets are never written to a "
            f"file. Start {needed} and try again, or keep the secret for this run only."
        )


def secure_keyring_for(platform: str) -> str:
    """The keyring this operating system offers, in words."""
    if platform == "darwin":
        return "the macOS Keychain"
    if platform.startswith("win"):
        return "the Windows Credential Locker"
    return "a Secret Service (GNOME Keyring or KWallet)"


def backend_in_words(backend: object) -> str:
    """What the keyring library fell back to, for a person: not ``fail.Keyring`` but what it means."""
    kind = type(backend)
    if kind.__module__.endswith(".fail"):
        return "no keyring at all"
    if kind.__module__.endswith(".null"):
        return "only a placeholder that keeps nothing"
    if "Plaintext" in kind.__name__ or "Uncrypted" in kind.__name__:
        return "only a plain-text file"
    if "Encrypted" in kind.__name__:
        return "only a password-protected file"
    return f"only {kind.__name__} (from {kind.__module__}), which is not usable here"


class CredentialStore(Protocol):
    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


INSECURE_BACKENDS = ("fail.Keyring", "PlaintextKeyring", "null.Keyring", "EncryptedKeyring", "Uncrypted")


class KeyringStore:
    """The OS keyring (Secret Service, macOS Keychain, Windows Credential Locker)."""

    def __init__(self) -> None:
        import keyring  # imported lazily: ~0.25 s that the sign-in screen should not wait for

        self._keyring = keyring

    def check(self) -> None:
        try:
            backend = self._keyring.get_keyring()
        except Exception:  # e.g. PYTHON_KEYRING_BACKEND names a package that is not installed: still no keyring
            named = os.environ.get("PYTHON_KEYRING_BACKEND", "")
            found = f"{named}, named by PYTHON_KEYRING_BACKEND" if named else "see the keyring library's error"
            raise InsecureKeyringError(f"a keyring that could not be loaded ({found})",
                                       secure_keyring_for(sys.platform)) from None
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        priority = getattr(backend, "priority", 0)
        if any(word in name for word in INSECURE_BACKENDS) or (priority is not None and float(priority) <= 0):
            raise InsecureKeyringError(backend_in_words(backend), secure_keyring_for(sys.platform))

    def get(self, name: str) -> str | None:
        self.check()
        try:
            value: str | None = self._keyring.get_password(SERVICE, name)
        except Exception as error:  # keyring backends raise many kinds of errors
            raise CredentialError(f"The keyring could not be read ({type(error).__name__}).") from None
        return value

    def set(self, name: str, value: str) -> None:
        self.check()
        try:
            self._keyring.set_password(SERVICE, name, value)
        except Exception as error:
            raise CredentialError(f"The keyring refused to store the secret ({type(error).__name__}).") from None

    def delete(self, name: str) -> None:
        self.check()
        with contextlib.suppress(Exception):  # deleting a secret that is not there is fine
            self._keyring.delete_password(SERVICE, name)


class SessionStore:
    """Secrets kept in memory for this run only, when the operator chose that over no secure keyring."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def set(self, name: str, value: str) -> None:
        self._values[name] = value

    def delete(self, name: str) -> None:
        self._values.pop(name, None)


class LayeredStore:
    """The keyring first; the session store when the operator accepted "this run only"."""

    def __init__(self, keyring_store: CredentialStore, session: SessionStore) -> None:
        self.keyring = keyring_store
        self.session = session

    def get(self, name: str) -> str | None:
        value = self.session.get(name)
        if value is not None:
            return value
        return self.keyring.get(name)

    def set(self, name: str, value: str) -> None:
        self.keyring.set(name, value)

    def delete(self, name: str) -> None:
        self.session.delete(name)
        self.keyring.delete(name)
