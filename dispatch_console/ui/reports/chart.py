"""The threats-by-week bar chart (QtCharts), readable in the dark and the light theme, and as an image for the PDF."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from dispatch_console.services.reports import Report

# Colours chosen to keep 4.5:1 contrast on both chart backgrounds and to differ in lightness, not only in hue.
COLOURS = {"dark": ("#7aa2f7", "#f7c948"), "light": ("#1f4fbf", "#b35c00")}


def current_theme() -> str:
    app = QApplication.instance()
    theme = app.property("theme") if app is not None else None
    return "light" if theme == "light" else "dark"


def build_chart(report: Report | None, theme: str) -> QChart:
    """All threats and verified threats per week; week labels are the Monday ('Feb 12')."""
    chart = QChart()
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if theme == "dark" else QChart.ChartTheme.ChartThemeLight)
    chart.setTitle("Threats by week")
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    all_set = QBarSet("All threats")
    verified_set = QBarSet("Verified")
    all_colour, verified_colour = COLOURS["dark" if theme == "dark" else "light"]
    all_set.setColor(QColor(all_colour))
    verified_set.setColor(QColor(verified_colour))
    weeks = report.by_week if report is not None else ()
    for week in weeks:
        all_set.append(week.total)
        verified_set.append(week.verified)
    series = QBarSeries()
    series.append(all_set)
    series.append(verified_set)
    chart.addSeries(series)
    categories = QBarCategoryAxis()
    categories.append([w.week.strftime("%b %d %Y") if len(weeks) > 20 else w.week.strftime("%b %d") for w in weeks])
    if len(weeks) > 6:
        categories.setLabelsAngle(-90)  # long ranges: vertical labels stay legible
    chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(categories)
    values = QValueAxis()
    values.setLabelFormat("%d")
    values.setRange(0, max([w.total for w in weeks] + [1]))
    values.applyNiceNumbers()
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(values)
    return chart


def chart_image(report: Report, width: int = 900, height: int = 380) -> QImage:
    """The chart in the light theme as an image (for print); GUI thread only (QtCharts draws with widgets)."""
    view = QChartView(build_chart(report, "light"))
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setStyleSheet("QChartView { background: white; border: none; }")  # paper, whatever the screen theme
    view.resize(width, height)
    return view.grab().toImage()
