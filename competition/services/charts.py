"""Charts as SVG text, drawn with matplotlib (its SVG backend: no GUI, no display needed).

Text stays text (``svg.fonttype`` = ``none``) with a CJK-capable font list ending in ``sans-serif``, so a
chart needs no font file: the browser draws the labels with the system's fonts, and tests can read them.
Pages embed each chart as an ``<img>`` with a ``data:`` URL: the Content-Security-Policy allows ``data:``
images, while matplotlib's inline ``style`` attributes would be refused in an inline ``<svg>``.

matplotlib is imported on the first chart (≈ 1 s), never at web-worker start-up.
"""
from __future__ import annotations

import base64
import io
import threading
from collections.abc import Sequence

FONT_FAMILIES = ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "DejaVu Sans"]
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "saiping",          # stable element ids: the same data gives the same file
    "font.family": "sans-serif",
    "font.sans-serif": FONT_FAMILIES,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
PRIMARY, SEVERE, LENIENT = "#0b5394", "#b02a37", "#1a7f4b"
# pyplot keeps global state; charts are built on Figure objects, and one lock keeps rcParams use serial.
_lock = threading.Lock()


def _figure(width: float, height: float):
    import matplotlib
    matplotlib.use("svg", force=False)
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), layout="constrained")


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def score_distribution(scores: Sequence[float], *, title: str, xlabel: str, ylabel: str,
                       bins: int = 10) -> str:
    """A histogram of one skill's scores."""
    import matplotlib
    with _lock, matplotlib.rc_context(STYLE):
        figure = _figure(6.0, 2.8)
        axes = figure.subplots()
        if scores:
            axes.hist(list(scores), bins=min(bins, max(1, len(set(scores)))), color=PRIMARY, edgecolor="white")
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.yaxis.get_major_locator().set_params(integer=True)
        return _svg(figure)


def judge_severity(names: Sequence[str], means: Sequence[float], threshold: float, *, title: str,
                   xlabel: str) -> str:
    """One horizontal bar per judge: their mean deviation from the panel in per cent of the scale (left =
    severe, right = lenient), with the severity threshold marked on both sides."""
    import matplotlib
    with _lock, matplotlib.rc_context(STYLE):
        figure = _figure(6.0, 1.0 + 0.32 * max(1, len(names)))
        axes = figure.subplots()
        percent = [100 * m for m in means]
        colours = [SEVERE if m <= -threshold else LENIENT if m >= threshold else PRIMARY for m in means]
        axes.barh(list(names), percent, color=colours)
        axes.invert_yaxis()
        limit = max([100 * threshold * 1.5, *(abs(p) * 1.1 for p in percent)])
        axes.set_xlim(-limit, limit)
        for x in (-100 * threshold, 100 * threshold):
            axes.axvline(x, color="#6c757d", linestyle="--", linewidth=0.8)
        axes.axvline(0, color="#212529", linewidth=0.8)
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        return _svg(figure)
