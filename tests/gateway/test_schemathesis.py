"""Schemathesis against the live reference backend: generated requests, every response checked against the document.

Run through the ``st`` CLI in a subprocess rather than the pytest plugin: the plugin loads the schema at import time
and wants the server up at collection, while here the backend is a per-test fixture; the CLI also runs the coverage
and stateful phases the plugin does not.

Excluded check, and why: ``positive_data_acceptance`` expects every schema-valid request to be accepted (2xx). For
``POST /v1/notifications`` schema-valid data is generated independently per part, so the ``Idempotency-Key`` header
differs from the body's ``notification_id`` and ``unit_id`` is a random string; the contract *requires* both to be
answered ``422``, so this check conflicts with the idempotency semantics. All other checks run, including
``negative_data_rejection`` (invalid bodies must get 4xx), ``ignored_auth`` (no/wrong token must get 401),
``unsupported_method`` (405 with Allow), ``missing_required_header`` (no Idempotency-Key must get 4xx) and
response schema, status code, header and content-type conformance.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from dispatch_console.gateway.server import ReferenceBackend
from tests.gateway.conftest import OPENAPI_PATH, TOKEN


def _st() -> list[str]:
    exe = Path(sys.executable).with_name("st")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("st")
    if found is None:
        pytest.fail("the schemathesis CLI (st) is not installed in this environment")
    return [found]


@pytest.mark.slow
def test_schemathesis_against_reference_backend(
    make_backend: Callable[..., ReferenceBackend], tmp_path: Path
) -> None:
    backend = make_backend(deliver_after=0.05, ack_after=0.2)
    cmd = [
        *_st(),
        "run",
        str(OPENAPI_PATH),
        "--url",
        backend.url,
        "--header",
        f"Authorization: Bearer {TOKEN}",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        "25",
        "--seed",
        "20260412",
        "--request-timeout",
        "5",
        "--workers",
        "2",
        "--no-color",
        "--generation-database",
        "none",
    ]
    env = {**os.environ, "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    report = proc.stdout[-6000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, report
    assert "Tested: 5" in proc.stdout, report
    # The run really exercised the backend: it answered many requests of several kinds.
    counts = backend.response_counts()
    assert sum(counts.values()) > 50, counts
    assert {202, 401, 422} <= set(counts), counts
