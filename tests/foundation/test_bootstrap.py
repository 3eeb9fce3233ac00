"""``python3 main.py`` and ``python3 main.py test`` share one ``.venv`` and do not reinstall it when alternated.

Before, each command kept a stamp of its own: the first ``python3 main.py`` after the tests ran ``pip install -e .``
again (9.3 s measured) although ``.[dev]`` had installed everything the console needs, and every change to
pyproject.toml cost two installs. One stamp now records which extras are installed for which pyproject.toml.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

import main

DEV = frozenset({"dev"})
APP: frozenset[str] = frozenset()


def _stamp(digest: str, *extras: str) -> str:
    return json.dumps({"pyproject": digest, "extras": sorted(extras)})


@pytest.mark.parametrize(
    ("stamp", "wanted", "plan"),
    [
        (None, APP, APP),  # a fresh .venv: the console's dependencies
        (None, DEV, DEV),
        (_stamp("same", "dev"), APP, None),  # the tests ran: the console needs nothing more
        (_stamp("same", "dev"), DEV, None),
        (_stamp("same"), APP, None),
        (_stamp("same"), DEV, DEV),  # the console ran first: the test tools once
        (_stamp("changed", "dev"), APP, DEV),  # pyproject.toml changed: the test tools are updated with the rest
        (_stamp("changed"), APP, APP),
        ("not json", APP, APP),
        ('{"extras": "dev"}', DEV, DEV),
    ],
)
def test_the_install_plan(stamp: str | None, wanted: frozenset[str], plan: frozenset[str] | None) -> None:
    assert main.install_plan(stamp, "same", wanted) == plan


def test_alternating_the_console_and_the_tests_installs_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The person's story, with pip replaced: tests, console, tests, console installs ``.[dev]`` once, then nothing."""
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()  # an existing .venv; only pip's work is left out
    (venv / ".installed-app").write_text("an earlier version's stamp")
    monkeypatch.setattr(main, "VENV", venv)
    installs: list[str] = []

    def pip(command: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        if "-e" in command:
            installs.append(command[-1])
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(main.subprocess, "run", pip)
    for wanted in (DEV, APP, DEV, APP):
        main._ensure_venv(wanted)
    assert installs == [".[dev]"]
    digest = hashlib.sha256((main.ROOT / "pyproject.toml").read_bytes()).hexdigest()
    assert json.loads((venv / ".installed").read_text()) == {"pyproject": digest, "extras": ["dev"]}
    assert sorted(p.name for p in venv.iterdir()) == [".installed", "bin"]


def test_without_a_display_nothing_is_installed_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first start over SSH: the one sentence comes before .venv is built, not after a minute of pip."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "DISPATCH_CONSOLE_NO_VENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(main.sys, "platform", "linux")
    monkeypatch.setattr(main.sys, "argv", ["main.py", "--training"])
    monkeypatch.setattr(main, "_in_project_venv", lambda: False)
    monkeypatch.setattr(main, "_ensure_venv", lambda wanted: pytest.fail("installed before saying there is no display"))
    with pytest.raises(SystemExit) as refused:
        main.main()
    assert refused.value.code == "no display found: set DISPLAY, or run headless with QT_QPA_PLATFORM=offscreen"
