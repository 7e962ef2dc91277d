"""The dashboard's charts, drawn on the server as inline SVG.

Why SVG from the server rather than a JavaScript chart library: the page then works
without JavaScript (old phones at the kelurahan office, printing for TPPS meetings), the
Content-Security-Policy needs no exception, no vendored library needs security updates,
and the figures never have to be serialised for a script. The children area draws its
growth chart the same way. Colours come from CSS classes in ``static/css/asuh.css``
(inline ``style`` attributes would break the CSP); every chart has a ``<title>`` per bar
for tooltips and a table with the same numbers next to it on the page.
"""

from decimal import Decimal

from markupsafe import Markup, escape

from asuh.dashboard.outcomes import IMPROVED, OUTCOME_LABELS, UNCHANGED, UNKNOWN, WORSENED
from asuh.formatting import format_number


def _svg(width: int, height: int, label: str, body: list[str], css: str = "") -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart {css}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>")


def _rect(x, y, w, h, css: str, title: str) -> str:
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
            f'class="{css}"><title>{escape(title)}</title></rect>')


def _text(x, y, text: str, css: str = "chart-label", anchor: str = "start") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" class="{css}" text-anchor="{anchor}">'
            f"{escape(text)}</text>")


def monthly_bars(title: str, month_labels: list[str], values: list, unit: str, *,
                 cash: bool = False) -> Markup:
    """One commodity's confirmed quantity per month, in its canonical unit."""
    width, height, left, bottom, top = 320, 150, 8, 22, 22
    plot_h = height - top - bottom
    peak = max((Decimal(v) for v in values), default=Decimal(0))
    step = (width - 2 * left) / max(len(values), 1)
    # Long catalogue names ("Lainnya (lauk, vitamin, …)") would run into the maximum.
    short = title if len(title) <= 24 else title.split(" (")[0][:23].rstrip() + "…"
    body = [_text(left, 14, f"{short} ({unit})", "chart-title"),
            _text(width - left, 14, f"maks. {format_number(peak, 3)}", "chart-axis", "end"),
            f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" '
            'class="chart-baseline"/>']
    every = max(1, -(-len(values) // 6))  # at most ~6 month labels under the bars
    for index, (label, value) in enumerate(zip(month_labels, values, strict=True)):
        bar_h = float(Decimal(value) / peak * plot_h) if peak else 0
        x = left + index * step + step * 0.15
        body.append(_rect(x, top + plot_h - bar_h, step * 0.7, bar_h,
                          "chart-bar chart-bar-cash" if cash else "chart-bar",
                          f"{label}: {format_number(value, 3)} {unit}"))
        if index % every == 0:
            body.append(_text(x + step * 0.35, height - 6, label, "chart-axis", "middle"))
    return _svg(width, height, f"{title}: jumlah per bulan ({unit})", body, "chart-small")


def coverage_bars(rows: list[dict]) -> Markup:
    """Per area: stunted children (full bar) and how many have a sponsor (dark part)."""
    width, row_h, label_w, right = 640, 30, 150, 120
    height = max(1, len(rows)) * row_h + 28
    peak = max((r["stunted_children"] for r in rows), default=0)
    plot_w = width - label_w - right
    body = [_rect(label_w, 6, 12, 12, "chart-bg", "Anak stunting"),
            _text(label_w + 16, 16, "Anak stunting", "chart-axis"),
            _rect(label_w + 130, 6, 12, 12, "chart-fg", "Sudah punya Bapak/Bunda Asuh"),
            _text(label_w + 146, 16, "Sudah punya Bapak/Bunda Asuh", "chart-axis")]
    for index, row in enumerate(rows):
        y = 28 + index * row_h
        total, matched = row["stunted_children"], row["matched_children"]
        full = plot_w * total / peak if peak else 0
        part = plot_w * matched / peak if peak else 0
        percent = "–" if row["matched_percent"] is None else \
            f"{format_number(row['matched_percent'], 1)}%"
        body += [
            _text(label_w - 6, y + 17, row["name"], "chart-label", "end"),
            _rect(label_w, y + 4, full, row_h - 10, "chart-bg",
                  f"{row['name']}: {total} anak stunting"),
            _rect(label_w, y + 4, part, row_h - 10, "chart-fg",
                  f"{row['name']}: {matched} sudah punya Bapak/Bunda Asuh"),
            _text(label_w + full + 6, y + 17, f"{matched}/{total} ({percent})", "chart-axis"),
        ]
    return _svg(width, height, "Cakupan: anak stunting dan yang sudah punya Bapak/Bunda Asuh",
                body)


_OUTCOME_ORDER = (IMPROVED, UNCHANGED, WORSENED, UNKNOWN)


def outcome_bars(groups: dict) -> Markup:
    """Sponsored vs not: each a 100% bar split into improved / unchanged / worsened."""
    width, label_w, bar_h = 640, 150, 26
    names = {"sponsored": "Diasuh", "unsponsored": "Tidak diasuh"}
    body = []
    for position, outcome in enumerate(_OUTCOME_ORDER[:3]):
        x = label_w + position * 120
        body += [_rect(x, 6, 12, 12, f"outcome-{outcome}", OUTCOME_LABELS[outcome]),
                 _text(x + 16, 16, OUTCOME_LABELS[outcome], "chart-axis")]
    plot_w = width - label_w - 20
    for index, key in enumerate(("sponsored", "unsponsored")):
        group = groups[key]
        y = 30 + index * (bar_h + 22)
        body.append(_text(label_w - 6, y + 17, f"{names[key]} ({group['children']})",
                          "chart-label", "end"))
        x = float(label_w)
        for outcome in _OUTCOME_ORDER:
            count = group[outcome]
            if not count:
                continue
            share = count / group["children"]
            body.append(_rect(x, y, plot_w * share, bar_h, f"outcome-{outcome}",
                              f"{names[key]}: {OUTCOME_LABELS[outcome]} {count} anak "
                              f"({format_number(100 * share, 1)}%)"))
            if share >= 0.08:
                body.append(_text(x + plot_w * share / 2, y + 17,
                                  f"{format_number(100 * share, 0)}%", "chart-on-bar", "middle"))
            x += plot_w * share
        if not group["children"]:
            body.append(_text(label_w, y + 17, "Belum ada anak yang dapat dibandingkan",
                              "chart-axis"))
    return _svg(width, 30 + 2 * (bar_h + 22), "Hasil: anak diasuh dibanding tidak diasuh",
                body)
