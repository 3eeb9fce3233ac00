"""WCAG 2.x contrast ratio between two colours (relative luminance, sRGB), for the themes' tests and checks."""

from __future__ import annotations

from PySide6.QtGui import QColor


def relative_luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast_ratio(first: QColor, second: QColor) -> float:
    """From 1 (same colour) to 21 (black on white); AA asks 4.5 for text, 3 for large text and icons."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
