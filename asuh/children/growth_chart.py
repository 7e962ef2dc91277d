"""The growth chart: a child's length/height-for-age on the WHO curves, as plain SVG.

Plain SVG 1.1 with inline attributes and no scripts, so the same image works inline on a
page, as an <img>, and in WeasyPrint's PDFs.
"""

import math
from xml.sax.saxutils import escape

from asuh.children.growth import DAYS_PER_MONTH, SEX_LABELS
from asuh.children.who_reference import MAX_AGE_DAYS, Sex, height_for_age_curves
from asuh.formatting import format_fixed

# The phone drawing (``growth_chart_svg(phone=True)``) and its type size.
PHONE_SIZE = (360, 320)
PHONE_FONT = 13


def _nice_step(span: float, candidates: tuple[int, ...], max_ticks: int) -> int:
    for candidate in candidates:
        if span / candidate <= max_ticks:
            return candidate
    return candidates[-1]


def _month_range(points: list[tuple[int, float]],
                 max_ticks: int = 12) -> tuple[int, int, int]:
    if not points:
        return 0, 60, 6
    first = min(p[0] for p in points) / DAYS_PER_MONTH
    last = max(p[0] for p in points) / DAYS_PER_MONTH
    start, end = max(0.0, first - 2), min(60.0, last + 2)
    # At least a year wide, so a single visit still shows the curves' slope.
    if end - start < 12:
        end = min(60.0, start + 12)
        start = max(0.0, end - 12)
    tick = _nice_step(end - start, (1, 2, 3, 6, 12), max_ticks)
    start_m = int(start // tick * tick)
    end_m = int(math.ceil(end / tick) * tick)
    end_m = max(min(end_m, 60), math.ceil(last))
    return start_m, end_m, tick


def _tag(name: str, attrs: dict[str, object], text: str | None = None) -> str:
    parts = []
    for key, value in attrs.items():
        shown = f"{value:.1f}" if isinstance(value, float) else str(value)
        parts.append(f'{key}="{escape(shown, {chr(34): "&quot;"})}"')
    opening = f"<{name} {' '.join(parts)}"
    return f"{opening}/>" if text is None else f"{opening}>{escape(text)}</{name}>"


def growth_chart_svg(
    sex: Sex,
    points: list[tuple[int, float]],
    width: int = 720,
    height: int = 440,
    *,
    phone: bool = False,
) -> str:
    """A self-contained SVG 1.1 height-for-age chart (no scripts, no external refs).

    ``phone``: drawn 360 px wide with larger type and fewer ticks, for a phone's screen:
    the 720 px chart shrunk to a phone's ~330 px would set its 11 px labels at 5 px. At
    13 px in a 360 px drawing the labels read at about 12 px there.

    Draws the WHO median, -2 SD and -3 SD curves and the child's points joined by a
    line. Pass each point as (age_days, GrowthResult.height_cm_adjusted) so it is on
    the same length/height basis as the curves. The x-range is trimmed to the
    child's ages plus a margin (0-60 months without points).
    """
    if sex not in SEX_LABELS:
        raise ValueError("sex must be 'L' or 'P'")
    child = sorted((int(d), float(cm)) for d, cm in points)
    if phone:
        width, height = PHONE_SIZE
    font, title_font = (PHONE_FONT, PHONE_FONT) if phone else (11, 14)
    max_ticks = 6 if phone else 12
    start_m, end_m, x_tick = _month_range(child, max_ticks)
    first_day = max(0, min(MAX_AGE_DAYS, math.ceil(start_m * DAYS_PER_MONTH)))
    last_day = max(first_day, min(MAX_AGE_DAYS, math.floor(end_m * DAYS_PER_MONTH)))
    step = max(1, (last_day - first_day) // 180)
    curves = height_for_age_curves(sex, max_days=last_day, step=step, min_days=first_day)

    lows = [cm for _, cm in curves["minus_3sd"]] + [cm for _, cm in child]
    highs = [cm for _, cm in curves["median"]] + [cm for _, cm in child]
    y_tick = _nice_step(max(highs) - min(lows) + 4, (1, 2, 5, 10, 20), max_ticks)
    y_min = math.floor((min(lows) - 2) / y_tick) * y_tick
    y_max = math.ceil((max(highs) + 2) / y_tick) * y_tick

    left, right, top, bottom = (50, 62, 38, 50) if phone else (62, 74, 40, 52)
    plot_w, plot_h = width - left - right, height - top - bottom
    plot_bottom = top + plot_h

    def x_of(day: float) -> float:
        return left + (day / DAYS_PER_MONTH - start_m) / (end_m - start_m) * plot_w

    def y_of(cm: float) -> float:
        return top + (y_max - cm) / (y_max - y_min) * plot_h

    def path(series: list[tuple[int, float]]) -> str:
        return " ".join(f"{x_of(d):.1f},{y_of(cm):.1f}" for d, cm in series)

    grey, ink = "#444444", "#222222"
    title = (f"PB/TB menurut Umur - {SEX_LABELS[sex]}" if phone
             else f"Panjang/Tinggi Badan menurut Umur - {SEX_LABELS[sex]}")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="DejaVu Sans" font-size="{font}">',
        f"<title>{escape(title)}</title>",
        _tag("rect", {"x": 0, "y": 0, "width": width, "height": height, "fill": "#ffffff"}),
        _tag(
            "text",
            {
                "x": width / 2,
                "y": 22,
                "text-anchor": "middle",
                "font-size": title_font,
                "font-weight": "bold",
                "fill": ink,
            },
            title,
        ),
    ]

    # Shaded zones: below -3 SD (sangat pendek) and between -3 and -2 SD (pendek).
    minus3, minus2 = curves["minus_3sd"], curves["minus_2sd"]
    floor_y = f"{plot_bottom:.1f}"
    severe = (
        f"{x_of(minus3[0][0]):.1f},{floor_y} {path(minus3)} {x_of(minus3[-1][0]):.1f},{floor_y}"
    )
    stunted = f"{path(minus2)} {path(list(reversed(minus3)))}"
    out.append(
        _tag(
            "polygon",
            {
                "class": "zone-severely-stunted",
                "points": severe,
                "fill": "#e53935",
                "fill-opacity": "0.10",
            },
        )
    )
    out.append(
        _tag(
            "polygon",
            {"class": "zone-stunted", "points": stunted, "fill": "#fb8c00", "fill-opacity": "0.12"},
        )
    )

    grid = {"stroke": "#dddddd", "stroke-width": 1}
    for month in range(start_m, end_m + 1, x_tick):
        x = x_of(month * DAYS_PER_MONTH)
        out.append(_tag("line", {"x1": x, "y1": top, "x2": x, "y2": plot_bottom, **grid}))
        out.append(
            _tag(
                "text",
                {"x": x, "y": plot_bottom + font + 5, "text-anchor": "middle", "fill": grey},
                str(month),
            )
        )
    for cm in range(int(y_min), int(y_max) + 1, y_tick):
        y = y_of(cm)
        out.append(_tag("line", {"x1": left, "y1": y, "x2": left + plot_w, "y2": y, **grid}))
        out.append(
            _tag("text", {"x": left - 6, "y": y + 4, "text-anchor": "end", "fill": grey}, str(cm))
        )
    out.append(
        _tag(
            "rect",
            {
                "x": left,
                "y": top,
                "width": plot_w,
                "height": plot_h,
                "fill": "none",
                "stroke": "#888888",
                "stroke-width": 1,
            },
        )
    )

    styles = (
        ("median", "curve-median", "#2e7d32", "Median"),
        ("minus_2sd", "curve-minus-2sd", "#ef6c00", "\u22122 SD"),
        ("minus_3sd", "curve-minus-3sd", "#c62828", "\u22123 SD"),
    )
    for key, css_class, colour, label in styles:
        series = curves[key]
        out.append(
            _tag(
                "polyline",
                {
                    "class": css_class,
                    "points": path(series),
                    "fill": "none",
                    "stroke": colour,
                    "stroke-width": "1.8",
                },
            )
        )
        end_day, end_cm = series[-1]
        out.append(
            _tag(
                "text",
                {
                    "class": f"{css_class}-label",
                    "x": x_of(end_day) + 5,
                    "y": y_of(end_cm) + 4,
                    "fill": colour,
                },
                label,
            )
        )

    if child:
        blue = "#1565c0"
        if len(child) > 1:
            out.append(
                _tag(
                    "polyline",
                    {
                        "class": "child-line",
                        "points": path(child),
                        "fill": "none",
                        "stroke": blue,
                        "stroke-width": 2,
                    },
                )
            )
        for day, cm in child:
            note = f"{format_fixed(day / DAYS_PER_MONTH)} bulan: {format_fixed(cm)} cm"
            circle = _tag(
                "circle",
                {
                    "class": "child-point",
                    "cx": x_of(day),
                    "cy": y_of(cm),
                    "r": "3.5",
                    "fill": blue,
                    "stroke": "#ffffff",
                    "stroke-width": 1,
                },
            )
            out.append(f"{circle[:-2]}><title>{escape(note)}</title></circle>")
        lx, ly = left + 10, top + font + 3
        out.append(
            _tag(
                "line",
                {"x1": lx, "y1": ly, "x2": lx + 22, "y2": ly, "stroke": blue, "stroke-width": 2},
            )
        )
        out.append(_tag("circle", {"cx": lx + 11, "cy": ly, "r": "3.5", "fill": blue}))
        out.append(_tag("text", {"x": lx + 28, "y": ly + 4, "fill": ink}, "Pengukuran anak"))

    out.append(
        _tag(
            "text",
            {"x": left + plot_w / 2, "y": height - 12, "text-anchor": "middle", "fill": ink},
            "Umur (bulan)",
        )
    )
    mid_y = f"{top + plot_h / 2:.1f}"
    out.append(
        _tag(
            "text",
            {
                "x": 16,
                "y": mid_y,
                "text-anchor": "middle",
                "fill": ink,
                "transform": f"rotate(-90 16 {mid_y})",
            },
            "Tinggi/Panjang badan (cm)",
        )
    )
    out.append("</svg>")
    return "\n".join(out)
