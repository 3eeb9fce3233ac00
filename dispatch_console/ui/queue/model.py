"""The queue's table model and its sort/filter proxy.

The model holds ``QueueRow`` values keyed by threat id and only translates them for the view. Changes arrive as
rows (from ``services.queue.load_rows``) and are applied as the smallest model signal that says what happened
(``beginInsertRows`` / ``dataChanged`` / ``beginRemoveRows``), so the view keeps its selection, its scroll position
and its sort without a reset. The clock is the model's too: ``tick()`` moves ``now`` and emits ``dataChanged`` for
the countdown and age columns only; nothing is read from the database.

Alerts never rely on color alone and have a column of their own, so no other text can push them out of view: a
new P1 reads "★ NEW", a P1/P2 nobody was notified about "NOT NOTIFIED 3 min" (ticking), an overdue acknowledgement
"⚠ ACK OVERDUE", a failed notification "✖ FAILED", an overdue follow-up "⏰ follow-up overdue"; a threatened time
within the hour reads "⚠" in its own column — color comes on top for those who can see it. The words themselves
live in ``alert_words.py``; the widths that keep them whole in ``columns.py``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QFont

from dispatch_console.domain.enums import Priority, Status, TargetKind
from dispatch_console.domain.text import plural
from dispatch_console.domain.timeparse import describe_countdown
from dispatch_console.services.queue import QueueRow, gc_paused
from dispatch_console.ui.queue.alert_colors import palette
from dispatch_console.ui.queue.alert_words import CHIME_REPEAT, DEFAULT_LIMITS, Waiting, alert_text, is_waiting
from dispatch_console.ui.queue.positions import RowPositions

COLUMNS = ("Priority", "Case", "Alerts", "Target", "Countdown", "Status", "Age", "Units", "Notified",
           "Division", "Call-taker")
(COL_PRIORITY, COL_CASE, COL_ALERTS, COL_TARGET, COL_COUNTDOWN, COL_STATUS, COL_AGE, COL_UNITS, COL_NOTIFIED,
 COL_DIVISION, COL_CALL_TAKER) = range(len(COLUMNS))

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the QueueRow itself
ID_ROLE = Qt.ItemDataRole.UserRole + 3
ALERT_ROLE = Qt.ItemDataRole.UserRole + 4  # tuple of alert words for the row ("new-p1", "soon", "ack-overdue")
FILTER_ROLE = Qt.ItemDataRole.UserRole + 5  # "\x1fschool=1\x1fdivision=North\x1fstatus=new\x1ftext=…\x1f"
SEP = "\x1f"

NEW_P1_SECONDS = 120
SOON = timedelta(hours=1)
FOLLOW_UP_DUE_SOON = timedelta(hours=24)  # a follow-up due within a day is shown in the Status column
AnyIndex = QModelIndex | QPersistentModelIndex

KIND_TAGS = {  # the short tag after the site's name: the name comes first so two sites never read alike
    TargetKind.SCHOOL: "school",
    TargetKind.EVENT_VENUE: "venue",
    TargetKind.BUSINESS: "business",
    TargetKind.WORKPLACE: "work",
    TargetKind.HOUSE_OF_WORSHIP: "worship",
    TargetKind.OTHER: "",
}


def target_text(row: QueueRow) -> str:
    tag = KIND_TAGS.get(row.target_kind, "")
    return f"{row.target_name} · {tag}" if tag else row.target_name


def age_text(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


class QueueModel(QAbstractTableModel):
    """Open threats, one row each, kept in the order the supervisor chose and updated in place by threat id.

    Keeping the order here (one ``sorted`` per header click, a bisect per change, a removal and an insertion when
    a row's place changes) instead of in the proxy is what makes 10,000 rows load, re-sort and update fast: a proxy
    sort calls back into Python twice per comparison (≈ 140,000 comparisons at 10,000 rows, 1–2 s on the GUI
    thread), a bisect a dozen times per change. The default order is priority, then time left, then oldest call;
    any other column sorts first by that column and then in the default order, so equal rows never shuffle.

    Signals:
        new_p1(int): a P1 appeared that this console had not shown before (or a threat was raised to P1).
        waiting_alarm(): a P1/P2 has waited past ``waiting_limits`` to be notified (repeats every minute).
        waiting_changed(Waiting): every tick, how many P1/P2 wait to be notified and the oldest wait.
    """

    new_p1 = Signal(int)
    waiting_alarm = Signal()  # a P1/P2 waits past its limit to be notified: chime (again, once a minute)
    waiting_changed = Signal(object)  # Waiting: the count and the oldest wait, for the lock page

    def __init__(self, parent: QObject | None = None, *, now: datetime | None = None) -> None:
        super().__init__(parent)
        self._rows: list[QueueRow] = []
        self._keys: list[tuple[Any, ...]] = []
        self._pos = RowPositions(self._keys, {})  # threat id → row, by bisecting the keys (positions.py)
        self._new_until: dict[int, datetime] = {}
        self._waiting: set[int] = set()  # P1/P2 nobody was notified about: only these tick in the Alerts column
        self.waiting_limits = dict(DEFAULT_LIMITS)
        self._last_chime: datetime | None = None
        self._sort_column = COL_PRIORITY
        self._descending = False
        self.now = now or datetime.now(UTC)

    # --- reading ----------------------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(
            COLUMNS
        ):
            return COLUMNS[section]
        return None

    def row_at(self, row: int) -> QueueRow:
        return self._rows[row]

    def find(self, threat_id: int) -> QueueRow | None:
        pos = self._pos.get(threat_id)
        return None if pos is None else self._rows[pos]

    def index_of(self, threat_id: int, column: int = 0) -> QModelIndex:
        pos = self._pos.get(threat_id)
        return QModelIndex() if pos is None else self.index(pos, column)

    def threat_ids(self) -> list[int]:
        return [r.threat_id for r in self._rows]

    def alerts(self, row: QueueRow) -> tuple[str, ...]:
        found: list[str] = []
        until = self._new_until.get(row.threat_id)
        if until is not None and until > self.now:
            found.append("new-p1")
        elif is_waiting(row):
            found.append("not-notified")
            if self.now - row.received_at >= self.waiting_limits.get(row.priority, DEFAULT_LIMITS[Priority.P2]):
                found.append("waiting-too-long")
        if row.threatened_at is not None and timedelta(0) <= row.threatened_at - self.now <= SOON:
            found.append("soon")
        if row.ack_overdue:
            found.append("ack-overdue")
        if row.failed:
            found.append("failed")
        if row.next_follow_up_at is not None:
            if row.next_follow_up_at <= self.now:
                found.append("follow-up-overdue")
            elif row.next_follow_up_at - self.now <= FOLLOW_UP_DUE_SOON:
                found.append("follow-up-due")
        return tuple(found)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == ROW_ROLE:
            return row
        if role == ID_ROLE:
            return row.threat_id
        if role == ALERT_ROLE:
            return self.alerts(row)
        if role == FILTER_ROLE:
            return filter_text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            alerts = self.alerts(row)
            if "waiting-too-long" in alerts:
                return QBrush(palette()["waiting-row"])
            if "new-p1" in alerts:
                return QBrush(palette()["new"])
            return None
        if role == Qt.ItemDataRole.FontRole and row.priority is Priority.P1:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{COLUMNS[column]}: {self._display(row, column)}"
        return None

    def _display(self, row: QueueRow, column: int) -> str:
        alerts = self.alerts(row)
        if column == COL_PRIORITY:
            return row.priority.value
        if column == COL_CASE:
            return row.case_number
        if column == COL_ALERTS:
            return alert_text(row, alerts, self.now)
        if column == COL_TARGET:
            return target_text(row)
        if column == COL_DIVISION:
            return row.division
        if column == COL_COUNTDOWN:
            if row.threatened_at is None:
                return "unknown"
            text = describe_countdown(row.threatened_at, self.now)
            return f"⚠ {text}" if "soon" in alerts else text
        if column == COL_STATUS:
            if "follow-up-due" in alerts and row.next_follow_up_at is not None:
                return f"{row.status.label} · ⏰ follow-up {describe_countdown(row.next_follow_up_at, self.now)}"
            return row.status.label
        if column == COL_AGE:
            return age_text((self.now - row.received_at).total_seconds())
        if column == COL_UNITS:
            return ", ".join(row.units)
        if column == COL_NOTIFIED:
            return row.notification_text
        if column == COL_CALL_TAKER:
            return row.call_taker
        return ""

    def _tooltip(self, row: QueueRow, column: int) -> str:
        if column == COL_COUNTDOWN and row.threatened_at is not None:
            return f"Threatened: {row.threatened_text or row.threatened_at.isoformat()}"
        if column == COL_ALERTS and "not-notified" in self.alerts(row):
            return "No unit has been notified about this P1/P2 threat yet."
        if column in (COL_NOTIFIED, COL_ALERTS) and (row.ack_overdue or row.failed):
            parts = []
            if row.ack_overdue:
                parts.append("No acknowledgement within the deadline: the console escalates.")
            if row.failed:
                parts.append(f"{plural(row.failed, 'notification')} failed: open the case to see why.")
            return " ".join(parts)
        if column in (COL_PRIORITY, COL_ALERTS) and "new-p1" in self.alerts(row):
            return "New P1 threat"
        if column == COL_STATUS and row.next_follow_up_at is not None:
            return (f"{plural(row.followups_due, 'open follow-up')}, {row.followups_overdue} overdue; see Reports → "
                    "Follow-ups")
        return ""

    def _foreground(self, row: QueueRow, column: int) -> QBrush | None:
        if column not in (COL_PRIORITY, COL_COUNTDOWN, COL_ALERTS):
            return None
        alerts = self.alerts(row)
        colors = palette()
        if "waiting-too-long" in alerts:
            return QBrush(colors["waiting-text"])  # on the highlighted row: one colour that reads on it
        if column == COL_PRIORITY and row.priority is Priority.P1:
            return QBrush(colors["p1"])
        if column == COL_COUNTDOWN and "soon" in alerts:
            return QBrush(colors["soon"])
        if column == COL_ALERTS:
            for key in ("ack-overdue", "failed", "new-p1", "not-notified", "follow-up-overdue"):
                if key in alerts:
                    return QBrush(colors[key])
        return None

    # --- writing ------------------------------------------------------------------------------------------------
    def reset_rows(self, rows: Iterable[QueueRow]) -> None:
        """Replace everything (first load, or after a reconnect when changes may have been missed)."""
        self.beginResetModel()
        self._order(r for r in rows if r.status is not Status.CLOSED)
        self._new_until = {k: v for k, v in self._new_until.items() if k in self._pos}
        self._waiting = {r.threat_id for r in self._rows if is_waiting(r)}
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-order every row by ``column`` as one layout change; selection and current row follow their threats."""
        column = column if 0 <= column < len(COLUMNS) else COL_PRIORITY
        descending = order == Qt.SortOrder.DescendingOrder
        if (column, descending) == (self._sort_column, self._descending):
            return  # already in that order (a header click reaches here twice: indicator and view)
        self._sort_column, self._descending = column, descending
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(self._rows[i.row()].threat_id, i.column()) for i in persistent]
        self._order(self._rows)
        self.changePersistentIndexList(persistent, [self.index(self._pos[t], c) for t, c in held])
        self.layoutChanged.emit()

    @property
    def sort_order(self) -> tuple[int, Qt.SortOrder]:
        """The column the rows are ordered by, and the direction."""
        return self._sort_column, (Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder)

    def _order(self, rows: Iterable[QueueRow]) -> None:
        with gc_paused():  # 10,000 key tuples would otherwise trigger collections that walk the whole heap
            self._order_now(rows)

    def _order_now(self, rows: Iterable[QueueRow]) -> None:
        keyed = sorted(((_row_key(r), r) for r in rows), key=itemgetter(0))
        if self._sort_column != COL_PRIORITY or self._descending:
            # a second, stable sort by the column alone: ties keep the default order in either direction, and the
            # plain column values are compared in C (a "larger first" key would call into Python per comparison)
            primary = _SORT_KEYS[self._sort_column]
            keyed.sort(key=lambda pair: primary(pair[1]), reverse=self._descending)
            wrap = _Descending if self._descending else _same
            keyed = [((wrap(primary(r)), *base), r) for base, r in keyed]
        self._keys = [k for k, _ in keyed]
        self._rows = [r for _, r in keyed]
        self._pos = RowPositions(self._keys, {r.threat_id: k for k, r in keyed})

    def _key(self, row: QueueRow) -> tuple[Any, ...]:
        """Where ``row`` belongs in the current order (unique: the threat id ends every key)."""
        if self._sort_column == COL_PRIORITY and not self._descending:
            return _row_key(row)
        primary = _SORT_KEYS[self._sort_column](row)
        return (_Descending(primary) if self._descending else primary, *_row_key(row))

    def _reindex(self, low: int, high: int) -> None:
        """Record where the rows put at ``low`` or ``high`` are; rows between keep their keys, so nothing else is
        renumbered (positions come from bisecting the keys: see ``positions.RowPositions``)."""
        for i in {low, high}:
            if 0 <= i < len(self._rows):
                self._pos[self._rows[i].threat_id] = i

    def apply(self, rows: Iterable[QueueRow], gone: Iterable[int] = (), *, alert: bool = True) -> None:
        """Apply fresh rows: insert new open threats, update known ones (moving them if their place changed),
        remove closed or ``gone`` ones."""
        remove: set[int] = set(gone)
        for row in rows:
            if not row.is_open:
                remove.add(row.threat_id)
                continue
            if is_waiting(row):
                self._waiting.add(row.threat_id)
            else:
                self._waiting.discard(row.threat_id)
            pos = self._pos.get(row.threat_id)
            key = self._key(row)
            if pos is None:
                at = bisect.bisect_left(self._keys, key)
                self.beginInsertRows(QModelIndex(), at, at)
                self._rows.insert(at, row)
                self._keys.insert(at, key)
                self._reindex(at, len(self._rows) - 1)
                self.endInsertRows()
                if alert and row.priority is Priority.P1:
                    self._mark_new(row.threat_id)
                continue
            old = self._rows[pos]
            if old == row:
                continue
            if key != self._keys[pos]:
                pos = self._move(pos, row, key)
            else:
                self._rows[pos] = row
            if alert and row.priority is Priority.P1 and old.priority is not Priority.P1:
                self._mark_new(row.threat_id)
            self.dataChanged.emit(self.index(pos, 0), self.index(pos, len(COLUMNS) - 1))
        for threat_id in remove:
            pos = self._pos.get(threat_id)
            if pos is None:
                continue
            self.beginRemoveRows(QModelIndex(), pos, pos)
            del self._rows[pos]
            del self._keys[pos]
            del self._pos[threat_id]
            self._reindex(pos, len(self._rows) - 1)
            self._new_until.pop(threat_id, None)
            self._waiting.discard(threat_id)
            self.endRemoveRows()

    def _move(self, pos: int, row: QueueRow, key: tuple[Any, ...]) -> int:
        """Put an updated row where its new key belongs; returns its new position.

        Done as a removal and an insertion, not ``beginMoveRows``: a sort/filter proxy turns a source move into a
        layout change and re-filters every row (≈ 15 ms at 10,000 rows, in Python), while a removal and an
        insertion cost it one row each. The view restores its selection after ``apply`` (see ``QueueTab``).
        """
        target = bisect.bisect_left(self._keys, key)
        if target > pos:
            target -= 1  # position after the row is taken out (its old key sorts before the new one)
        if target == pos:
            self._rows[pos] = row
            self._keys[pos] = key
            self._reindex(pos, pos)
            return pos
        self.beginRemoveRows(QModelIndex(), pos, pos)
        del self._rows[pos]
        del self._keys[pos]
        self.endRemoveRows()
        self.beginInsertRows(QModelIndex(), target, target)
        self._rows.insert(target, row)
        self._keys.insert(target, key)
        self._reindex(min(pos, target), max(pos, target))
        self.endInsertRows()
        return target

    def _mark_new(self, threat_id: int) -> None:
        self._new_until[threat_id] = self.now + timedelta(seconds=NEW_P1_SECONDS)
        self.new_p1.emit(threat_id)

    def tick(self, now: datetime | None = None) -> None:
        """Move the clock: only the time columns (and rows whose NEW highlight ends) change; no database read."""
        self.now = now or datetime.now(UTC)
        if not self._rows:
            return
        last = len(self._rows) - 1
        self.dataChanged.emit(self.index(0, COL_COUNTDOWN), self.index(last, COL_COUNTDOWN),
                              [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole])
        self.dataChanged.emit(self.index(0, COL_AGE), self.index(last, COL_AGE), [Qt.ItemDataRole.DisplayRole])
        for i, row in enumerate(self._rows):  # follow-up "due in …" (Status) / "overdue" (Alerts)
            if row.next_follow_up_at is not None:
                self.dataChanged.emit(self.index(i, COL_ALERTS), self.index(i, COL_STATUS),
                                      [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole])
        self._tick_waiting()
        expired = [k for k, v in self._new_until.items() if v <= self.now]
        for threat_id in expired:
            del self._new_until[threat_id]
            pos = self._pos.get(threat_id)
            if pos is not None:
                self.dataChanged.emit(self.index(pos, 0), self.index(pos, len(COLUMNS) - 1))


    def _tick_waiting(self) -> None:
        """NOT NOTIFIED ticks (whole rows, for the highlight past the limit); chime while any waits too long."""
        overdue = False
        oldest = 0.0
        for threat_id in self._waiting:
            pos = self._pos.get(threat_id)
            if pos is None:
                continue
            row = self._rows[pos]
            oldest = max(oldest, (self.now - row.received_at).total_seconds())
            overdue = overdue or "waiting-too-long" in self.alerts(row)
            self.dataChanged.emit(self.index(pos, 0), self.index(pos, len(COLUMNS) - 1))
        self.waiting_changed.emit(Waiting(len(self._waiting), oldest))
        if not overdue:
            self._last_chime = None
        elif self._last_chime is None or self.now - self._last_chime >= CHIME_REPEAT:
            self._last_chime = self.now
            self.waiting_alarm.emit()

    def waiting(self) -> Waiting:
        """How many P1/P2 wait to be notified, and the oldest wait (as of the model's clock)."""
        ages = [(self.now - self._rows[self._pos[t]].received_at).total_seconds() for t in self._waiting
                if t in self._pos]
        return Waiting(len(ages), max(ages, default=0.0))


_RANK = {p: int(p.value[1]) for p in Priority}


_STATUS_RANK = {status: i for i, status in enumerate(Status)}

_SORT_KEYS: dict[int, Callable[[QueueRow], Any]] = {
    # by what the column means, not by its text: times as instants, status in workflow order, worst notification
    # first; text columns without their decorations and case-insensitive
    COL_PRIORITY: lambda r: default_order_key(r),
    COL_CASE: lambda r: r.case_number,
    COL_ALERTS: lambda r: (not r.ack_overdue, -r.failed, r.notified > 0, r.received_at.timestamp()),
    COL_TARGET: lambda r: r.target_name.casefold(),
    COL_DIVISION: lambda r: r.division.casefold(),
    COL_COUNTDOWN: lambda r: (r.threatened_at is None, r.threatened_at.timestamp() if r.threatened_at else 0.0),
    COL_STATUS: lambda r: _STATUS_RANK[r.status],
    COL_AGE: lambda r: -r.received_at.timestamp(),
    COL_UNITS: lambda r: ", ".join(r.units).casefold(),
    COL_NOTIFIED: lambda r: (not r.ack_overdue, -r.failed, r.acknowledged - r.notified),
    COL_CALL_TAKER: lambda r: r.call_taker.casefold(),
}


def _same(key: Any) -> Any:
    return key


class _Descending:
    """A sort key that orders larger values first, so one ascending list (and ``bisect``) serves both directions."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: _Descending) -> bool:
        return bool(other.key < self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and bool(self.key == other.key)

    __hash__ = None  # type: ignore[assignment]


def _row_key(row: QueueRow) -> tuple[Any, ...]:
    return (*default_order_key(row), row.threat_id)


def default_order_key(row: QueueRow) -> tuple[int, bool, float, float]:
    """Priority, then time left before the threatened time (unknown last within its priority), then oldest call.

    Sorting by the threatened instant is sorting by time left (``now`` is the same for every row), which is why the
    order never needs recomputing as the clock ticks.
    """
    return (
        _RANK[row.priority],  # a dict, not ``Priority.rank``: enum ``.value`` costs microseconds, times 10,000
        row.threatened_at is None,
        row.threatened_at.timestamp() if row.threatened_at is not None else 0.0,
        row.received_at.timestamp(),
    )


def filter_text(row: QueueRow) -> str:
    """What the filters match against, one field per ``SEP``-delimited slot (see ``QueueFilter``)."""
    hay = " ".join((row.case_number, row.target_name, row.division, row.call_taker, row.status.label,
                    row.priority.value, " ".join(row.units), row.cad_number)).casefold().replace(SEP, " ")
    return (f"{SEP}school={int(row.is_school)}{SEP}division={row.division}{SEP}status={row.status.value}"
            f"{SEP}text={hay}{SEP}")


class QueueFilter(QSortFilterProxyModel):
    """The queue's filters: schools only, division, status, free text (the order is the source model's).

    The filters are compiled into one regular expression over ``FILTER_ROLE`` (one lookahead per active filter)
    and matched by Qt itself, instead of overriding ``filterAcceptsRow``: with no filter active Qt accepts every
    row without calling back into Python at all, which keeps a 10,000-row (re)load fast.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)
        self.setDynamicSortFilter(True)
        self.schools_only = False
        self.division = ""
        self.status: Status | None = None
        self.text = ""

    def set_filters(
        self, *, schools_only: bool | None = None, division: str | None = None, status: Status | str | None = "",
        text: str | None = None,
    ) -> None:
        """Change any of the filters (arguments left out keep their value)."""
        if schools_only is not None:
            self.schools_only = schools_only
        if division is not None:
            self.division = division
        if status != "":
            self.status = status if isinstance(status, Status) or status is None else Status(status)
        if text is not None:
            self.text = text.casefold().strip()
        parts = []
        if self.schools_only:
            parts.append(f"(?=.*{SEP}school=1{SEP})")
        if self.division:
            parts.append(f"(?=.*{SEP}division={re.escape(self.division)}{SEP})")
        if self.status is not None:
            parts.append(f"(?=.*{SEP}status={re.escape(self.status.value)}{SEP})")
        for word in self.text.split():
            parts.append(f"(?=.*{SEP}text=[^{SEP}]*{re.escape(word)})")
        pattern = "^" + "".join(parts) if parts else ""
        dot_all = QRegularExpression.PatternOption.DotMatchesEverythingOption
        self.setFilterRegularExpression(QRegularExpression(pattern, dot_all))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A header click: the source model re-orders its rows (see :class:`QueueModel`); the proxy keeps them."""
        source = self.sourceModel()
        if isinstance(source, QueueModel):
            source.sort(column, order)
        super().sort(-1)

    def threat_id_at(self, proxy_row: int) -> int | None:
        index = self.index(proxy_row, 0)
        return int(index.data(ID_ROLE)) if index.isValid() else None
