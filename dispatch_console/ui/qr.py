"""A QR code drawn by Qt from segno's module matrix: sharp at any size, no image library, no file."""

from __future__ import annotations

import segno
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

QUIET_ZONE = 4  # modules of white around the code, as scanners need


class QrCode(QWidget):
    """Shows ``text`` as a QR code, black on white whatever the theme (phones scan dark-on-light best)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(QSize(200, 200))  # never squeezed under the text below it
        self.setAccessibleName("QR code")
        self.text = ""
        self._modules: list[bytearray] = []
        self.set_text(text)

    def set_text(self, text: str) -> None:
        self.text = text
        self._modules = [bytearray(row) for row in segno.make(text, error="m").matrix] if text else []
        self.update()

    def _draw(self, painter: QPainter, side: int) -> None:
        painter.fillRect(QRect(0, 0, side, side), QColor("white"))
        if not self._modules:
            return
        count = len(self._modules) + 2 * QUIET_ZONE
        module = max(side // count, 1)
        offset = (side - module * count) // 2 + QUIET_ZONE * module
        for y, row in enumerate(self._modules):
            for x, dark in enumerate(row):
                if dark:
                    painter.fillRect(offset + x * module, offset + y * module, module, module, Qt.GlobalColor.black)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        side = min(self.width(), self.height())
        painter.translate((self.width() - side) // 2, (self.height() - side) // 2)
        self._draw(painter, side)
        painter.end()

    def image(self, side: int = 300) -> QImage:
        """The code as drawn, for printing or for a test that decodes it back."""
        image = QImage(side, side, QImage.Format.Format_RGB32)
        painter = QPainter(image)
        self._draw(painter, side)
        painter.end()
        return image
