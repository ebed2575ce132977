"""The printable monthly report: HTML rendered to PDF by WeasyPrint, so Pango/HarfBuzz shape Khmer.

ReportLab alone draws Khmer unshaped (subscripts and vowels in the wrong places); WeasyPrint lays
text out with Pango, which shapes it with HarfBuzz, and embeds the shaped glyph ids.
``tests/test_exports_pdf.py`` checks those glyph ids against HarfBuzz's own shaping.
SVG text is not shaped by WeasyPrint, so charts here carry only digits in SVG; every label is HTML.
The figures are suppressed (the report leaves the prison). Loaded lazily: WeasyPrint is slow to
import.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub import charts
from hub.i18n import ACTIVITY_LABELS, INDICATORS, gettext_for, number
from hub.reports import CLASS_ACTIVITIES, LOCAL, THRESHOLD

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Khmer OS Battambang also has Latin letters and digits (Noto Sans Khmer has none).
FONT_FAMILY = '"Khmer OS Battambang", "Khmer OS", "Noto Sans Khmer", sans-serif'


def render_html(figs: dict, series: list[dict], lang: str, prison: str, now: datetime) -> str:
    _ = gettext_for(lang)
    series = [{k: _floor(v) for k, v in row.items()} for row in series]
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
    )  # fmt: skip
    keys = [("loans", _("Loans")), ("reading_sessions", _("E-reading sessions"))]
    chart = charts.html_legend(keys) + charts.month_bars(series, keys, width=680, legend=False)
    attendance = charts.html_bars(
        [(_(ACTIVITY_LABELS[a]), figs["attendance"][a]["attendances"]) for a in CLASS_ACTIVITIES]
    )
    return env.get_template("report.html").render(
        _=_, lang=lang, figs=figs, prison=prison, font_family=FONT_FAMILY,
        indicators=[(_(label), number(figs[k], lang)) for k, label in INDICATORS.items()],
        activities=[(_(ACTIVITY_LABELS[a]), {k: number(v, lang) for k, v in
                     figs["attendance"][a].items()}) for a in ACTIVITY_LABELS],
        month_chart=chart, attendance_chart=attendance,
        generated=now.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M"), number=number,
    )  # fmt: skip


def render_pdf(figs: dict, series: list[dict], lang: str, prison: str, now: datetime) -> bytes:
    from weasyprint import HTML

    html = render_html(figs, series, lang, prison, now)
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


def _floor(value):
    """Monthly chart values leave the prison too: a count of 1-4 is drawn as 0."""
    return 0 if isinstance(value, int) and 0 < value < THRESHOLD else value
