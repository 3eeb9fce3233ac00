"""A secret that reaches a log record by accident is redacted before it is written."""

from __future__ import annotations

import logging
from pathlib import Path

from dispatch_console import logging_setup


def test_a_registered_secret_never_reaches_the_log_file(tmp_path: Path) -> None:
    path = logging_setup.configure(tmp_path)
    logging_setup.register_secret("planted-secret-token-42")
    log = logging.getLogger("dispatch_console.test")
    log.warning("request failed with headers %s", {"Authorization": "Bearer planted-secret-token-42"})
    try:
        raise RuntimeError("token planted-secret-token-42 refused")
    except RuntimeError:
        log.exception("backend error")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "request failed" in text and "backend error" in text
    assert "planted-secret-token-42" not in text and "[redacted]" in text
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "baseFilename", "") == str(path):
            logging.getLogger().removeHandler(handler)
            handler.close()
