"""Who is acting, from where: carried into every service call so every write can be audited."""

from __future__ import annotations

from dataclasses import dataclass

from dispatch_console.db.engine import AuditedRefusal
from dispatch_console.domain.enums import Role


@dataclass(frozen=True)
class Actor:
    username: str
    display_name: str
    role: Role
    console: str
    can_reveal_juveniles: bool = False

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


SYSTEM = Actor("system", "System", Role.ADMIN, "console")


class PermissionDenied(AuditedRefusal):
    """An action the operator's role does not allow; the message says who may do it. Always audited."""
