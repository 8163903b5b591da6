"""Plots as SVG drawn in Python from a suppressed table: for the PDF, which runs no JavaScript.

Readable in black and white: bars in distinct grey tones with black outlines, lines with
distinct dash patterns and marker shapes; axis labels and a legend. Hidden figures are left out
(a gap), never drawn as a value. Every text is escaped.
"""

import math
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 64
MAX_SERIES = 8
GREYS = ["#000000", "#bdbdbd", "#636363", "#ffffff", "#8c8c8c", "#e0e0e0", "#3a3a3a", "#d0d0d0"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4", "12 2 2 2"]
MARKERS = ["circle", "square", "triangle", "diamond"] * 2


def nice_ticks(top: int, count: int = 5) -> list[int]:
    """Whole-number ticks from 0 to at least `top` at a round step (1, 2, 5 × 10ⁿ)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return list(range(0, (math.ceil(top / step) + 1) * step, step))


def _marker(kind, x, y):
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#fff" stroke="#000"/>'
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="#000"/>'
    if kind == "triangle":
        points = f"{x:.1f},{y - 4.5:.1f} {x - 4:.1f},{y + 3:.1f} {x + 4:.1f},{y + 3:.1f}"
        return f'<polygon points="{points}" fill="#fff" stroke="#000"/>'
    points = (
        f"{x:.1f},{y - 4.5:.1f} {x + 4.5:.1f},{y:.1f} {x:.1f},{y + 4.5:.1f} {x - 4.5:.1f},{y:.1f}"
    )
    return f'<polygon points="{points}" fill="#000"/>'


def svg_chart(
    kind: str, columns: list[str], series: list[tuple[str, list]], *, y_label: str, x_label: str
) -> str:
    """An SVG bar or line chart; `series` is [(label, values)] with None for hidden values."""
    series = series[:MAX_SERIES]
    values = [v for _label, vs in series for v in vs if v is not None]
    ticks = nice_ticks(max(values, default=0))
    top = ticks[-1] or 1
    legend_rows = math.ceil(len(series) / 2)
    height = HEIGHT + 16 * legend_rows
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(columns), 1)

    def y_of(value):
        return TOP + plot_h - value / top * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="10" '
        f'role="img" aria-label={quoteattr(y_label)}>'
    ]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d9d9d9" stroke-width="0.6"/>'
            f'<text x="{LEFT - 6}" y="{y + 3.5:.1f}" text-anchor="end">{tick}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#000"/>'
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        f'stroke="#000"/>'
    )
    # Every column label when they fit, otherwise every n-th.
    every = max(1, math.ceil(len(columns) / 12))
    for i, label in enumerate(columns):
        if i % every == 0:
            x = LEFT + slot * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h + 32}" text-anchor="middle" '
        f'font-weight="bold">{escape(x_label)}</text>'
        f'<text transform="translate(12 {TOP + plot_h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" font-weight="bold">{escape(y_label)}</text>'
    )
    if kind == "line":
        for n, (_label, vals) in enumerate(series):
            dash = f' stroke-dasharray="{DASHES[n]}"' if DASHES[n] else ""
            run = []
            for i, value in enumerate([*vals, None]):
                if value is None:  # a hidden figure breaks the line
                    if len(run) > 1:
                        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                        parts.append(
                            f'<polyline points="{points}" fill="none" stroke="#000" '
                            f'stroke-width="1.5"{dash}/>'
                        )
                    run = []
                    continue
                run.append((LEFT + slot * (i + 0.5), y_of(value)))
                parts.append(_marker(MARKERS[n], *run[-1]))
    else:
        width = slot * 0.8 / max(len(series), 1)
        for n, (_label, vals) in enumerate(series):
            for i, value in enumerate(vals):
                if value is None:
                    continue
                x = LEFT + slot * i + slot * 0.1 + width * n
                y = y_of(value)
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                    f'height="{TOP + plot_h - y:.1f}" fill="{GREYS[n]}" stroke="#000" '
                    f'stroke-width="0.6"/>'
                )
    for n, (label, _vals) in enumerate(series):
        x = LEFT + (n % 2) * plot_w / 2
        y = HEIGHT - 10 + 16 * (n // 2)
        if kind == "line":
            dash = f' stroke-dasharray="{DASHES[n]}"' if DASHES[n] else ""
            key = (
                f'<line x1="{x:.1f}" x2="{x + 22:.1f}" y1="{y - 3}" y2="{y - 3}" stroke="#000" '
                f'stroke-width="1.5"{dash}/>' + _marker(MARKERS[n], x + 11, y - 3)
            )
        else:
            key = (
                f'<rect x="{x:.1f}" y="{y - 9}" width="14" height="10" fill="{GREYS[n]}" '
                f'stroke="#000" stroke-width="0.6"/>'
            )
        parts.append(f'{key}<text x="{x + 28:.1f}" y="{y}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
