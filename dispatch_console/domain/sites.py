"""Sites a threat can be directed at, and when their day ends.

Dismissal time matters because "after school" is the most common threatened time: the countdown is to that site's
dismissal on that date, which differs per weekday and on early-release days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from dispatch_console.domain.enums import TargetKind

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Site:
    """One entry of the site directory."""

    site_id: int
    name: str
    kind: TargetKind
    address: str
    division: str
    district: str = ""
    sro_unit: str = ""
    aliases: tuple[str, ...] = ()
    dismissal: dict[int, time] = field(default_factory=dict)  # weekday (0 = Monday) -> dismissal time
    early_release: dict[date, time] = field(default_factory=dict)
    lunch: time | None = None

    @property
    def is_school(self) -> bool:
        return self.kind is TargetKind.SCHOOL

    def dismissal_on(self, day: date) -> time | None:
        """The dismissal time on ``day``: an early-release day wins over the weekday schedule."""
        if day in self.early_release:
            return self.early_release[day]
        return self.dismissal.get(day.weekday())

    def matches(self, text: str) -> bool:
        """Whether a type-ahead query matches the name, the address or an alias (case-insensitive)."""
        needle = text.casefold().strip()
        if not needle:
            return False
        return any(needle in hay.casefold() for hay in (self.name, self.address, *self.aliases))
