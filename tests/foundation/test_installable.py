"""A center's IT installs the console from its wheel, not from a checkout: everything it needs must be inside.

The wheel is built from this checkout with pip (as a packager would), installed into a folder of its own, and run
from a directory far from the checkout, so a missing migration, stylesheet, icon, sound, demo file or API contract
shows up here rather than on a dispatch floor.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _tracked(*folders: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", *folders], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")  # the tracked files only: no build/ left over from an earlier build
    for name in _tracked():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "--disable-pip-version-check", "-w", str(out), str(source)], check=True, capture_output=True,
                   text=True)
    (built,) = out.glob("dispatch_console-*.whl")
    return built


def test_the_wheel_carries_every_module_migration_and_resource(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    code = [p for p in _tracked("dispatch_console") if not p.endswith(".md")]
    resources = _tracked("resources")
    assert code and resources
    missing = [p for p in code if p not in names]
    missing += [p for p in resources if "dispatch_console/bundled_" + p not in names]
    assert missing == []
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "[gui_scripts]" in entry_points and "dispatch-console = dispatch_console.cli:main" in entry_points


def test_an_installed_console_creates_its_database_imports_the_demo_city_and_finds_its_theme(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--disable-pip-version-check",
                    "--target", str(site), str(wheel)], check=True, capture_output=True, text=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "DISPATCH_CONSOLE_HOME": str(tmp_path / "home"),
           "QT_QPA_PLATFORM": "offscreen"}
    url = f"sqlite:///{tmp_path / 'center.db'}"

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], cwd=elsewhere, env=env, input=stdin, capture_output=True,
                              text=True, check=False, timeout=120)

    where = run("-c", "import dispatch_console.resources as r; print(r.ROOT)")
    assert where.returncode == 0, where.stderr
    bundled = Path(where.stdout.strip())
    assert bundled.is_relative_to(site)  # the installed copy, not this checkout

    made = run("-m", "dispatch_console.cli", "create-operator", "--username", "chief", "--role", "admin",
               "--database-url", url, stdin="a-long-password\n")
    assert made.returncode == 0, made.stderr  # the migrations shipped in the wheel built the schema
    imported = run("-m", "dispatch_console.cli", "import-sites", str(bundled / "demo" / "sites.csv"),
                   "--database-url", url)
    assert imported.returncode == 0, imported.stderr
    assert "47" in imported.stdout  # 40 schools and 7 other sites of the demo city
    audit = run("-m", "dispatch_console.cli", "verify-audit", "--database-url", url)
    assert audit.returncode == 0 and "hash chain verified" in audit.stdout, audit.stdout + audit.stderr

    themed = run("-c", "\n".join([
        "from PySide6.QtWidgets import QApplication",
        "from dispatch_console.ui.theme import apply_theme, app_icon",
        "app = QApplication([])",
        "for name in ('dark', 'light'):",
        "    apply_theme(app, name)",
        "    assert len(app.styleSheet()) > 1000, name",
        "assert not app_icon().isNull()",
        "print('themed')",
    ]))
    assert themed.returncode == 0 and "themed" in themed.stdout, themed.stderr
