"""Running ``python3 main.py ...`` as a person would, in a home of its own.

HOME and the XDG folders point into the test's temporary folder, so the commands find their defaults (settings,
``~/.local/share/dispatch-console/console.db``) exactly where a new user's would be, and nothing of the developer's
own console is read or changed. No keyring is reachable: ``PYTHON_KEYRING_BACKEND`` names keyring's "fail" backend.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
