"""A center's IT unpacks the desktop bundle on a console PC that has no Python, no checkout and no settings.

The bundle is built the way the README says (``python3 main.py bundle``) from the tracked files only, unpacked from
its archive into a folder far from the checkout, and run with a fresh home and nothing of the build's environment:
``--help``, ``verify-audit`` on a new database (every migration runs), and the console itself, offscreen, until its
sign-in page accepts a name. A Qt plugin, a migration or a resource that PyInstaller did not pick up fails here
rather than on a dispatch floor.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from tests.foundation.test_installable import _tracked

ROOT = Path(__file__).resolve().parents[2]

# The build is the module fixture's, charged to the first test: about 4 minutes on 2 busy cores, hence the timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900),
              pytest.mark.skipif(sys.platform != "linux", reason="the test runs the Linux bundle")]

# Qt plugins the console needs on a dispatch floor: the desktop (xcb) and headless platforms, the SVG icons, and the
# multimedia backend that plays the P1 alert.
QT_PLUGINS = ("platforms/libqxcb.so", "platforms/libqoffscreen.so", "imageformats/libqsvg.so")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build from a copy of the tracked files, unpack the archive elsewhere, and return the executable."""
    source = tmp_path_factory.mktemp("source")
    for name in _tracked():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "DISPATCH_CONSOLE_NO_VENV": "1"}  # this interpreter already has PyInstaller (dev extra)
    built = subprocess.run([sys.executable, "main.py", "bundle", "--dist", str(dist)], cwd=source, env=env,
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (archive,) = dist.glob("dispatch-console-*-linux-*.tar.gz")
    assert archive.name == f"dispatch-console-{_version()}-linux-{platform.machine().lower()}.tar.gz"
    installed = tmp_path_factory.mktemp("console-pc")
    with tarfile.open(archive) as tar:
        tar.extractall(installed, filter="tar")
    executable = installed / "dispatch-console" / "dispatch-console"
    assert os.access(executable, os.X_OK)
    return executable


def _version() -> str:
    import tomllib

    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def _clean_env(home: Path) -> dict[str, str]:
    """A console PC's environment: a fresh home, offscreen Qt, and nothing that points back at the checkout."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(home / "run"))
    (home / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    return env


def _run(executable: Path, *args: str, home: Path, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(executable), *args], cwd=home, env={**_clean_env(home), **(extra or {})},
                          capture_output=True, text=True, timeout=120)


def test_the_bundle_carries_every_migration_resource_and_qt_plugin(bundle: Path) -> None:
    internal = bundle.parent / "_internal"
    missing = [p for p in _tracked("resources")
               if not (internal / "dispatch_console" / "bundled_resources" / p.removeprefix("resources/")).is_file()]
    missing += [p for p in _tracked("dispatch_console/db/migrations") if not (internal / p).is_file()]
    missing += [p for p in QT_PLUGINS if not (internal / "PySide6" / "Qt" / "plugins" / p).is_file()]
    assert missing == []
    assert any((internal / "PySide6" / "Qt" / "plugins" / "multimedia").glob("*.so")), "no QtMultimedia backend"


def test_the_bundle_answers_help_with_every_subcommand(bundle: Path, tmp_path: Path) -> None:
    result = _run(bundle, "--help", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    for command in ("verify-audit", "create-operator", "set-token", "provision-center-key", "import-sites", "gateway",
                    "eido"):
        assert command in result.stdout


def test_the_bundle_reads_an_eido_from_a_cad_and_names_an_unknown_case_like_main_py(bundle: Path,
                                                                                     tmp_path: Path) -> None:
    """``eido`` is one of main.py's subcommands (issue 16), so the bundle runs it too: the EIDO reader, its location
    (PIDF-LO XML) parser and the export's case lookup must all be inside."""
    from tests.eido.foreign import FOREIGN, encoded

    url, home = f"sqlite+pysqlite:///{tmp_path / 'center.db'}", tmp_path / "home"
    source = tmp_path / "cad-4471.json"
    source.write_bytes(encoded(FOREIGN))
    read = _run(bundle, "eido", "import", str(source), "--database-url", url, home=home)
    assert (read.returncode, read.stderr) == (0, "")
    assert read.stdout.splitlines()[0] == ("EIDO urn:emergency:uid:incidentid:4471:cad.neighbor.example from "
                                           "cad1.neighbor.example:")
    assert read.stdout.splitlines()[-1] == "Nothing was saved. Add --for USERNAME to put it in that operator's drafts."
    unknown = _run(bundle, "eido", "export", "TT-2027-99999", "--database-url", url, home=home)
    assert (unknown.returncode, unknown.stdout, unknown.stderr) == (
        2, "", "Not exported: No case TT-2027-99999. Check the case number (e.g. TT-2026-00042).\n")


def test_the_bundle_migrates_a_new_database_and_verifies_its_audit_log(bundle: Path, tmp_path: Path) -> None:
    url = f"sqlite+pysqlite:///{tmp_path / 'center.db'}"
    result = _run(bundle, "verify-audit", "--database-url", url, home=tmp_path / "home")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "Audit log intact: 0 entries, hash chain verified.\n", "")


def test_the_bundled_console_starts_offscreen_to_a_sign_in_page(bundle: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    started = time.monotonic()
    result = _run(bundle, "--training", home=home, extra={"DISPATCH_CONSOLE_EXIT_WHEN_READY": "1"})
    seconds = time.monotonic() - started
    assert (result.returncode, result.stdout) == (0, "sign-in page: Sign in to start your shift.\n"), result.stderr
    assert (home / ".local" / "share" / "dispatch-console" / "console.db").is_file()  # the fresh home was used
    print(f"bundled console: sign-in page ready after {seconds:.2f} s (first start, new database)")


@pytest.mark.postgres
def test_the_bundle_migrates_a_postgresql_database_with_its_bundled_driver(bundle: Path, tmp_path: Path,
                                                                           pg_server) -> None:  # type: ignore[no-untyped-def]
    # the throwaway server trusts loopback; a password in the URL keeps the OS keyring (absent here) out of the way
    url = pg_server.create_database().replace("postgres@", "postgres:unused@")
    result = _run(bundle, "verify-audit", "--database-url", url, home=tmp_path / "home")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "Audit log intact: 0 entries, hash chain verified.\n", "")


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run (.ci/run installs it)")
def test_the_bundled_console_starts_on_an_x_server_with_its_xcb_plugin(bundle: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**_clean_env(home), "DISPATCH_CONSOLE_EXIT_WHEN_READY": "1"}
    del env["QT_QPA_PLATFORM"]  # Qt picks xcb from DISPLAY, as on a desktop
    result = subprocess.run(["xvfb-run", "-a", str(bundle), "--training"], cwd=home, env=env, capture_output=True,
                            text=True, timeout=120)
    assert (result.returncode, result.stdout) == (0, "sign-in page: Sign in to start your shift.\n"), result.stderr
