"""Python dates to Qt dates, in one place.

Built from explicit fields: the implicit ``QDate(date)`` conversion exists at run time, but not every PySide6 release
declares it in its type stubs, and mypy runs strict.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QTime


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def qdatetime(moment: datetime) -> QDateTime:
    """A naive local ``QDateTime`` (what date-time editors show) from a Python datetime."""
    return QDateTime(qdate(moment.date()), QTime(moment.hour, moment.minute, moment.second))
