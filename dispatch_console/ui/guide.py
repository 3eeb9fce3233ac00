"""Help → Guide: the operators' guide, rendered from its Markdown in a ``QTextBrowser`` (no web browser needed).

The guide and its screenshots ship in ``resources/guide`` (inside the wheel and the bundle as
``bundled_resources/guide``), so the same file is shown from a checkout, an installed wheel or the desktop bundle.
Screenshots are taken at a laptop size; they are scaled down to the window's width so nobody scrolls sideways.
"""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextCursor, QTextImageFormat
from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from dispatch_console.resources import resource

SHORTCUT = "Shift+F1"
IMAGE_WIDTH = 860


class GuideWindow(QDialog):
    """A non-modal window with the guide; links inside it move within the guide."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Guide — Threat dispatch console")
        self.setAccessibleName("Guide")
        self.resize(960, 760)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Guide text")
        self.browser.setOpenExternalLinks(True)
        folder = resource("guide")
        self.browser.setSearchPaths([str(folder)])
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(folder) + "/"))
        self.browser.setMarkdown((folder / "guide.md").read_text(encoding="utf-8"))
        self._fit_images()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.browser)

    def _fit_images(self) -> None:
        """Give every screenshot a width (Markdown cannot), keeping its proportions."""
        document = self.browser.document()
        images: list[tuple[int, int, QTextImageFormat]] = []
        block = document.begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                if fragment.charFormat().isImageFormat():
                    images.append((fragment.position(), fragment.length(), fragment.charFormat().toImageFormat()))
                iterator += 1
            block = block.next()
        for position, length, image_format in images:  # changed after the walk: a change splits fragments
            image = QImage(str(resource("guide", image_format.name())))
            if image.isNull() or image.width() <= IMAGE_WIDTH:
                continue
            fitted = QTextImageFormat(image_format)
            fitted.setWidth(IMAGE_WIDTH)
            fitted.setHeight(image.height() * IMAGE_WIDTH / image.width())
            cursor = QTextCursor(document)
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(fitted)
        self.images = [image_format.name() for _, _, image_format in images]


def open_guide(parent: QWidget | None = None) -> GuideWindow:
    """Show the guide (non-modal: the console keeps working beside it) and return its window."""
    window = GuideWindow(parent)
    window.show()
    window.browser.setFocus()
    return window
