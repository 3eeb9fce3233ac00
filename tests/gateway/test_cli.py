"""The reference backend as a child process: ``python -m dispatch_console.gateway``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from dispatch_console.gateway.cli import main
from tests.gateway.conftest import ROOT, make_request, post_raw

SECRET = "cli-planted-token-9d8e7f-3c2b1a0f9e8d7c6b"


def _env(token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DISPATCH_GATEWAY_TOKEN"}
    if token is not None:
        env["DISPATCH_GATEWAY_TOKEN"] = token
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_refuses_to_start_without_token() -> None:
    for token in (None, "", "   "):
        proc = subprocess.run(
            [sys.executable, "-m", "dispatch_console.gateway", "--port", "0"],
            env=_env(token),
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
        )
        assert proc.returncode == 2
        assert "DISPATCH_GATEWAY_TOKEN" in proc.stderr
        assert proc.stdout == ""


def test_child_process_prints_url_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "cli.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dispatch_console.gateway", "--port", "0", "--db", str(db), "--ack-after", "-1", "-v"],
        env=_env(SECRET),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the ready line, which is flushed
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, line
        url = match.group(0)
        assert requests.get(f"{url}/v1/health", timeout=5).json() == {"status": "ok"}
        req = make_request()
        assert post_raw(url, req.to_json(), token=SECRET).status_code == 202
        assert post_raw(url, req.to_json(), token="wrong").status_code == 401
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert "POST /v1/notifications" in err  # -v logs requests…
    assert SECRET not in line + out + err  # …but never the token
    assert db.exists()


def test_main_function_rejects_bad_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISPATCH_GATEWAY_TOKEN", SECRET)
    assert main(["--port", "0", "--fail-rate", "2"]) == 2
    assert "fail_rate" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["99999", "-1", "eighty"])
def test_a_port_outside_0_to_65535_is_refused_in_one_line_not_a_traceback(
    port: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped port ("--port 99999") reached bind() and ended in an OverflowError traceback."""
    monkeypatch.setenv("DISPATCH_GATEWAY_TOKEN", SECRET)
    with pytest.raises(SystemExit) as refused:
        main(["--port", port])
    assert refused.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"gateway: error: argument --port: {port!r} is not a port: give a number from 0 to 65535 (0 picks a free one)")
