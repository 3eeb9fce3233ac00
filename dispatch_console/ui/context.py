"""What every part of the UI needs, handed in through constructors (no global main window, no registry)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from dispatch_console.settings import Settings

if TYPE_CHECKING:  # SQLAlchemy is imported on a worker thread at start-up, not before the window shows
    from dispatch_console.db.engine import Database
    from dispatch_console.services.actor import Actor


@dataclass
class ConsoleContext:
    """``db`` is set as soon as the database is open (before anyone can sign in)."""

    settings: Settings
    db: Database
    tz: tzinfo
    training: bool
    actor: Actor | None = None
    backend_url: str = ""
    token_provider: Callable[[], str] | None = None
    services: dict[str, Any] = field(default_factory=dict)  # long-lived service objects (outbox worker, live feed)

    @property
    def operator(self) -> Actor:
        assert self.actor is not None, "no operator signed in"
        return self.actor
