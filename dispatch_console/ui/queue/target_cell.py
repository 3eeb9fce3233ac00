"""The Target cell: the site's name in full before anything else; the kind tag only when it fits whole.

Why a delegate: the model says "Northview High School · school" (the tag tells a school from a venue of the same
name, and the search and the screen reader get the whole text), but a narrow column must give up the tag first,
never the name. Qt's own elision would cut the end of the whole text instead ("Northview High School · sch…", and
on a narrower column "Eastlake High Sc…" next to "Eastlake Middle …"). When even the name does not fit (a large
text size on a small screen, or 150 % scale), generic words are shortened one by one until it fits ("Western
Heights MS", "Westfield Comm. Synagogue") so the part that tells two sites apart stays; only then does Qt elide
the end.

Only ``initStyleOption`` is replaced: painting stays Qt's, in C++, for the few dozen rows on screen.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from dispatch_console.ui.queue.model import ROW_ROLE

SHORTER = (  # longest first: "High School" becomes "HS" before "School" becomes "Sch."
    ("Junior High School", "JHS"), ("Middle School", "MS"), ("High School", "HS"), ("Junior High", "JH"),
    ("Elementary School", "Elem."), ("Elementary", "Elem."), ("School", "Sch."), ("Community", "Comm."),
    ("Catholic", "Cath."), ("Church", "Ch."), ("Center", "Ctr."), ("Academy", "Acad."), ("Technical", "Tech."),
    ("International", "Intl."), ("Baccalaureate", "Bacc."), ("Fairgrounds", "Fairgr."), ("Synagogue", "Syn."),
)
_SHORTER = [(re.compile(rf"\b{re.escape(long)}\b"), short) for long, short in SHORTER]


def shortenings(name: str) -> list[str]:
    """``name`` with more and more of its generic words shortened, shortest last: "Westfield Community Synagogue"
    → "Westfield Comm. Synagogue" → "Westfield Comm. Syn."."""
    forms = []
    for pattern, short in _SHORTER:
        shorter = pattern.sub(short, name)
        if shorter != name:
            forms.append(shorter)
            name = shorter
    return forms


class TargetDelegate(QStyledItemDelegate):
    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        width = text_width(option)
        metrics = QFontMetricsF(option.font)  # fractional, as Qt's text layout measures it before eliding
        if width <= 0 or metrics.horizontalAdvance(option.text) <= width:
            return
        row = index.data(ROW_ROLE)
        name = getattr(row, "target_name", "") or option.text
        forms = [name, *shortenings(name)]
        option.text = next((form for form in forms if metrics.horizontalAdvance(form) <= width), forms[-1])


def text_width(option: QStyleOptionViewItem) -> int:
    """The width the style gives the cell's text (the item's text rectangle less its margins)."""
    widget = option.widget
    style = widget.style() if widget is not None else None
    if style is None:
        return option.rect.width()
    rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, widget)
    return rect.width() - 2 * (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, option, widget) + 1)
