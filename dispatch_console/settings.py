"""The console's preferences: one typed schema with documented defaults.

Stored as JSON in the user's configuration directory (``$XDG_CONFIG_HOME/dispatch-console/settings.json``, or the
folder in ``DISPATCH_CONSOLE_HOME``). Secrets are never settings: the backend token and the database password live
in the OS keyring (see ``credentials``); a settings file that contains a field named like a secret is refused.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

APP_NAME = "dispatch-console"
MAX_LOCK_MINUTES = 30


def config_dir() -> Path:
    home = os.environ.get("DISPATCH_CONSOLE_HOME")
    if home:
        return Path(home) / "config"
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_NAME


def data_dir() -> Path:
    home = os.environ.get("DISPATCH_CONSOLE_HOME")
    if home:
        return Path(home) / "data"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_NAME


@dataclass
class Settings:
    """Every preference, with its default. Unknown keys in the file are ignored, bad values reset to default."""

    database_url: str = ""
    """SQLAlchemy URL without password; empty = SQLite file ``console.db`` in the data directory."""
    backend_url: str = ""
    """Base URL of the department's notification backend; empty = training mode (built-in reference backend)."""
    ca_bundle: str = ""
    """Path to a CA bundle for a backend with a private CA; TLS verification itself can never be switched off."""
    proxy_url: str = ""
    """``http://host:port`` of a proxy to reach an https backend; empty = direct. Proxy environment variables are
    never used (they would route the bearer token through whatever they name)."""
    retry_after_cap_s: int = 60
    """The longest ``Retry-After`` the console honours before trying a page again (1 to 600 s); larger values are
    logged and capped, so a broken backend cannot hold a P1 page for an hour."""
    theme: str = "dark"
    """"dark" for a dim dispatch room, "light", or "high-contrast" (white and pure hues on black)."""
    lock_minutes: int = 15
    """Screen lock after this many idle minutes (1 to 30)."""
    ack_deadline_p1_s: int = 180
    ack_deadline_p2_s: int = 600
    """Seconds a unit has to acknowledge a P1 / P2 notification before the console escalates."""
    max_escalations: int = 2
    """How many times an unacknowledged threat is escalated to the division supervisor."""
    alert_sound: bool = True
    """Sound on a new P1 (operators can mute it from the View menu)."""
    not_notified_p1_min: int = 2
    not_notified_p2_min: int = 10
    """Minutes a saved P1 / P2 may wait with no unit notified before its queue row is highlighted and chimes."""
    console_name: str = field(default_factory=socket.gethostname)
    """How this console appears in the audit log ("where")."""
    timezone: str = ""
    """IANA zone of the center, e.g. America/Chicago; empty = this computer's zone."""
    change_poll_ms: int = 50
    """How often a SQLite console checks whether another console committed (PostgreSQL is woken instantly).

    One check (``PRAGMA data_version``) costs about 2 µs on the GUI thread, so 50 ms (the lowest allowed) costs
    nothing noticeable and keeps a change from another SQLite console under 100 ms at p95 (issue 17)."""
    eido_element_id: str = ""
    """This console's functional element id in EIDO exports; empty = "<console_name>.<eido_agency_id>"."""
    eido_agency_id: str = ""
    """The agency's id in EIDO exports (NENA-STA-010 agency identifier, e.g. psap.riverton.mo.us)."""
    eido_agency_name: str = ""
    """The agency's name, written to the EIDO agency's contact card."""
    second_factor_roles: list[str] = field(default_factory=lambda: ["supervisor", "admin"])
    """Roles that must sign in with a second factor (TOTP) in live mode: "call_taker", "supervisor", "admin"."""
    min_passphrase_length: int = 12
    """Shortest password an operator may choose (NIST SP 800-63B; 8 to 64). Named so it is not taken for a secret."""

    def validated(self) -> Settings:
        defaults = Settings()
        if self.theme not in ("dark", "light", "high-contrast"):
            self.theme = defaults.theme
        if not 1 <= self.lock_minutes <= MAX_LOCK_MINUTES:
            self.lock_minutes = min(max(self.lock_minutes, 1), MAX_LOCK_MINUTES)
        for name in ("ack_deadline_p1_s", "ack_deadline_p2_s"):
            if getattr(self, name) < 10:
                setattr(self, name, getattr(defaults, name))
        self.max_escalations = min(max(self.max_escalations, 0), 5)
        for name in ("not_notified_p1_min", "not_notified_p2_min"):
            setattr(self, name, min(max(getattr(self, name), 1), 120))
        self.change_poll_ms = min(max(self.change_poll_ms, 50), 1000)
        self.retry_after_cap_s = min(max(self.retry_after_cap_s, 1), 600)
        self.min_passphrase_length = min(max(self.min_passphrase_length, 8), 64)
        roles = ("call_taker", "supervisor", "admin")
        self.second_factor_roles = [r for r in roles if r in self.second_factor_roles]
        return self

    @property
    def training(self) -> bool:
        return not self.backend_url


SECRET_WORDS = ("token", "password", "secret")


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_dir() / "settings.json"
    if not path.exists():
        return Settings().validated()
    try:
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings().validated()
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    defaults = Settings()
    for key, value in raw.items():
        if key in known and isinstance(value, type(getattr(defaults, key))):
            values[key] = value
    return Settings(**values).validated()


def save_settings(settings: Settings, path: Path | None = None) -> None:
    path = path or config_dir() / "settings.json"
    data = asdict(settings)
    assert not any(word in key for key in data for word in SECRET_WORDS), "secrets belong in the keyring"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    tmp.replace(path)


def default_database_url() -> str:
    return f"sqlite+pysqlite:///{data_dir() / 'console.db'}"
