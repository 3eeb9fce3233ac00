"""Running ``python3 main.py ...`` as a person would, in a home of its own.

HOME and the XDG folders point into the test's temporary folder, so the commands find their defaults (settings,
``~/.local/share/dispatch-console/console.db``) exactly where a new user's would be, and nothing of the developer's
own console is read or changed. No keyring is reachable: ``PYTHON_KEYRING_BACKEND`` names keyring's "fail" backend.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from keyring.backend import KeyringBackend

ROOT = Path(__file__).resolve().parents[2]


def person_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh login with no display, no keyring and nothing but ``home``."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "LANG": "C.UTF-8",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    env.update(extra)
    return env


def run_main(
    args: list[str], home: Path, *, stdin: str = "", timeout: float = 180, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``python3 main.py ARGS`` from the checkout; the interpreter is the project's, so main.py installs nothing."""
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=person_env(home, **extra), input=stdin,
                          capture_output=True, text=True, timeout=timeout, check=False)


class ThrowawayKeyring(KeyringBackend):
    """A keyring for the child processes of a test: a JSON file in the throwaway home, rated usable.

    Selected with ``PYTHON_KEYRING_BACKEND=tests.foundation.commands.ThrowawayKeyring``, so ``set-token`` can be run
    as the README shows it, end to end, without the developer's own keyring.
    """

    priority = 1  # type: ignore[assignment]

    def _file(self) -> Path:
        return Path(os.environ["HOME"]) / "throwaway-keyring.json"

    def _load(self) -> dict[str, str]:
        file = self._file()
        return dict(json.loads(file.read_text())) if file.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        values = self._load()
        values[f"{service}/{username}"] = password
        self._file().write_text(json.dumps(values))

    def delete_password(self, service: str, username: str) -> None:
        values = self._load()
        values.pop(f"{service}/{username}", None)
        self._file().write_text(json.dumps(values))
