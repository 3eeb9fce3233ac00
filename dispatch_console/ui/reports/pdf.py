"""The printable report: summary, totals, tables and the weekly chart, written with Qt's own PDF writer.

``report_html`` and ``write_pdf`` run on a worker thread (QTextDocument and QPdfWriter are reentrant and the chart
arrives as a QImage, not a widget); only ``chart.chart_image`` needs the GUI thread.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from dispatch_console.domain.text import plural
from dispatch_console.services.reports import Count, Report, format_date, format_duration

CHART_URL = "report-chart.png"


def _table(title: str, headers: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    head = "".join(f"<th align='left'>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    ) or f"<tr><td colspan='{len(headers)}'>No threats in this range.</td></tr>"
    return (f"<h3>{escape(title)}</h3><table border='1' cellspacing='0' cellpadding='3' width='100%'>"
            f"<tr>{head}</tr>{body}</table>")


def _counts(rows: tuple[Count, ...]) -> list[tuple[object, ...]]:
    return [(c.label, c.total, c.verified) for c in rows]


def totals_lines(report: Report) -> list[str]:
    """The totals as the tab and the PDF both print them (the tests compare the two)."""
    return [
        f"Total threats: {report.total}",
        f"Verified threats: {report.verified}",
        f"At schools: {report.at_schools} ({report.share_at_schools:.0%})",
        f"Linked duplicate reports (not counted): {report.linked_duplicates}",
        f"Open follow-ups: {report.open_follow_ups} ({report.overdue_follow_ups} overdue)",
        f"Call to first notification: median {format_duration(report.to_notification.median_s)}, "
        f"p90 {format_duration(report.to_notification.p90_s)} ({plural(report.to_notification.cases, 'case')})",
        f"Call to first acknowledgement: median {format_duration(report.to_acknowledgement.median_s)}, "
        f"p90 {format_duration(report.to_acknowledgement.p90_s)} ({plural(report.to_acknowledgement.cases, 'case')})",
    ]


def report_html(report: Report, *, generated_by: str, generated_at: datetime, tz: tzinfo) -> str:
    parts = [
        "<h1>Threat report</h1>",
        f"<p>{escape(format_date(report.since))} to {escape(format_date(report.until))}. "
        f"Generated {escape(generated_at.astimezone(tz).strftime('%Y-%m-%d %H:%M'))} by {escape(generated_by)}. "
        "Linked duplicate reports count once; sealed cases are excluded.</p>",
        f"<h2>{escape(report.summary)}</h2>",
        "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in totals_lines(report)) + "</ul>",
        f"<p><img src='{CHART_URL}' width='500'></p>",
        _table("By division", ("Division", "Threats", "Verified"), _counts(report.by_division)),
        _table("By target kind", ("Target kind", "Threats", "Verified"), _counts(report.by_target_kind)),
        _table("By verification", ("Verification", "Threats", "Verified"), _counts(report.by_verification)),
        _table("By outcome", ("Outcome", "Cases"), [(label, n) for _key, label, n in report.by_outcome]),
        _table("By week", ("Week of", "Threats", "Verified"),
               [(w.week.isoformat(), w.total, w.verified) for w in report.by_week]),
    ]
    return "<html><body style='font-family: DejaVu Sans, sans-serif; font-size: 10pt'>" + "".join(parts) + \
        "</body></html>"


def write_pdf(path: Path, html: str, chart: QImage) -> Path:
    """Print the report to an A4 PDF at ``path``."""
    document = QTextDocument()
    document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(CHART_URL), chart)
    document.setHtml(html)
    writer = QPdfWriter(str(path))
    writer.setTitle("Threat report")
    writer.setCreator("Threat dispatch console")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    document.print_(writer)
    return path
