"""The layers stay as drawn (import-linter), the code type-checks (mypy --strict) and lints (ruff)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = BIN / tool
    if not exe.exists():
        found = shutil.which(tool)
        if not found:
            pytest.fail(f"{tool} is not installed (python main.py test installs it)")
        exe = Path(found)
    return subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_imports_point_down_only() -> None:
    result = _run("lint-imports")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", "dispatch_console", "tests", "main.py")
    assert result.returncode == 0, result.stdout


def test_mypy_strict_is_clean() -> None:
    result = _run("mypy", "--no-incremental", "dispatch_console")
    assert result.returncode == 0, result.stdout[-5000:]
