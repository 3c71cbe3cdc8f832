"""The report's chart as a PNG: mentions per day (answered or not) and response-time spread.

matplotlib is imported only when a chart is drawn (it takes a moment), and only through its
object API with the Agg canvas: no pyplot global state, safe in any thread.
"""

from __future__ import annotations

import io

from bot.domain.figures import ResponseFigures

COLOURS = {"answered": "#2eb67d", "resolved": "#9e9ea6", "waiting": "#e01e5a", "bar": "#1264a3"}


def render_chart(figures: ResponseFigures, title: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4.2), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    per_day, spread = figure.subplots(1, 2, width_ratios=(3, 2))
    labels = [d.day.strftime("%d %b") for d in figures.per_day]
    positions = list(range(len(labels)))
    answered = [d.answered for d in figures.per_day]
    resolved = [d.resolved for d in figures.per_day]
    waiting = [d.waiting for d in figures.per_day]
    per_day.bar(positions, answered, color=COLOURS["answered"], label="answered")
    per_day.bar(positions, resolved, bottom=answered, color=COLOURS["resolved"], label="resolved")
    stacked = [a + r for a, r in zip(answered, resolved, strict=True)]
    per_day.bar(positions, waiting, bottom=stacked, color=COLOURS["waiting"], label="not answered")
    per_day.set_title("Mentions per day")
    step = max(1, len(labels) // 10)
    per_day.set_xticks(positions[::step], labels[::step], rotation=45, ha="right")
    per_day.legend(loc="upper left", fontsize="small")
    per_day.yaxis.get_major_locator().set_params(integer=True)
    names = [label for label, _ in figures.distribution]
    spread.bar(names, [count for _, count in figures.distribution], color=COLOURS["bar"])
    spread.set_title("First-response time")
    spread.tick_params(axis="x", rotation=45)
    spread.yaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
