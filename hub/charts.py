"""Small server-rendered SVG charts for the dashboard and the printable report.

Plain SVG strings (no JavaScript, no fonts embedded): every old browser shows them, and
WeasyPrint draws them into the PDF with the page's Khmer font, shaped by Pango/HarfBuzz.
Every piece of text is XML-escaped here; callers pass plain strings.
"""

from __future__ import annotations

from html import escape

COLOURS = ("#1f6f8b", "#e07a1f", "#5b8c2a", "#8b3a62")


def _nice_max(value: float) -> int:
    if value <= 0:
        return 1
    step = 1
    while step * 10 < value:
        step *= 10
    for mult in (1, 2, 5, 10):
        if step * mult >= value:
            return step * mult
    return step * 10


def month_bars(
    series: list[dict], keys: list[tuple[str, str]], *, width: int = 640, height: int = 220,
    legend: bool = True,
) -> str:  # fmt: skip
    """Grouped vertical bars, one group per month; ``keys`` is ``[(field, label), ...]``.

    ``legend=False`` leaves the (translated) legend out of the SVG: WeasyPrint draws SVG text
    glyph by glyph without shaping, so the PDF puts Khmer labels in HTML (``html_legend``).
    """
    left, bottom, top = 48, 36, 24
    plot_w, plot_h = width - left - 8, height - bottom - top
    top_value = _nice_max(max((row[k] for row in series for k, _ in keys), default=0))
    group_w = plot_w / max(len(series), 1)
    bar_w = max(2.0, (group_w - 6) / max(len(keys), 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" class="chart">'
    ]
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{value:g}</text>'
        )
    for g, row in enumerate(series):
        x0 = left + g * group_w + 3
        for k, (key, _) in enumerate(keys):
            h = plot_h * row[key] / top_value
            x, y = x0 + k * bar_w, top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[k % len(COLOURS)]}"><title>{escape(str(row[key]))}</title></rect>'
            )
        label = escape(str(row["month"])[2:])
        parts.append(
            f'<text x="{x0 + group_w / 2 - 3:.1f}" y="{height - bottom + 14}" font-size="10" '
            f'text-anchor="middle">{label}</text>'
        )
    x = left
    for k, (_, label) in enumerate(keys if legend else []):
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[k % len(COLOURS)]}"/>'
        )
        parts.append(f'<text x="{x + 14}" y="13" font-size="12">{escape(label)}</text>')
        x += 24 + 9 * len(label)
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(items: list[tuple[str, float | str]], *, width: int = 640) -> str:
    """One labelled bar per item; a suppressed value (text such as ``<5``) draws no bar."""
    row_h, label_w = 30, 260
    height = row_h * max(len(items), 1) + 8
    numbers = [v for _, v in items if isinstance(v, int | float)]
    top_value = _nice_max(max(numbers, default=0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" class="chart">'
    ]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row_h
        parts.append(f'<text x="0" y="{y + 18}" font-size="13">{escape(label)}</text>')
        w = 0.0
        if isinstance(value, int | float):
            w = (width - label_w - 60) * value / top_value
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}" '
                f'fill="{COLOURS[i % len(COLOURS)]}"/>'
            )
        parts.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 18}" font-size="13">{escape(str(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def html_legend(keys: list[tuple[str, str]]) -> str:
    return "".join(
        f'<span class="legend"><span class="swatch" style="background:{COLOURS[k % len(COLOURS)]}">'
        f"</span> {escape(label)}</span> "
        for k, (_, label) in enumerate(keys)
    )


def html_bars(items: list[tuple[str, float | str]], *, width_mm: int = 100) -> str:
    """Horizontal bars as an HTML table, so labels are laid out (and Khmer shaped) as text."""
    numbers = [v for _, v in items if isinstance(v, int | float)]
    top_value = _nice_max(max(numbers, default=0))
    rows = []
    for i, (label, value) in enumerate(items):
        w = width_mm * value / top_value if isinstance(value, int | float) else 0
        bar = (f'<span class="bar" style="width:{w:.1f}mm;background:{COLOURS[i % len(COLOURS)]}">'
               "</span>" if w else "")  # fmt: skip
        rows.append(f"<tr><th>{escape(label)}</th><td>{bar} {escape(str(value))}</td></tr>")
    return '<table class="bars">' + "".join(rows) + "</table>"
