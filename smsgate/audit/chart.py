"""The overview chart's geometry: one panel per brand, a bar per day, opt-ins stacked above
the baseline and opt-outs below it, one colour per source.

Pure: day counts in, rectangles and labels out. The template draws them as inline SVG, so
the page needs no script and no library (its Content-Security-Policy allows neither), and
every value reaches the markup through Jinja's escaping.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from smsgate.audit.overview import WINDOW_DAYS, DayCount, window

SOURCES = ("sms", "api", "provider", "import")  # the ledger's sources, in legend order
COLORS = {"sms": "#2457c5", "api": "#1b7a3d", "provider": "#b3261e", "import": "#a86400"}
OTHER_COLOR = "#5b6475"  # a source this list does not name yet
LEFT, RIGHT, TOP = 56, 12, 22  # margins of a panel, in pixels
DAY_WIDTH = 8  # pixels per day: 90 days fill 720
HALF_HEIGHT = 50  # pixels above (opt-ins) and below (opt-outs) the baseline
PANEL_HEIGHT = TOP + 2 * HALF_HEIGHT + 22  # title above, day labels below
LABEL_EVERY = 15  # days between labels on the time axis


@dataclass(frozen=True)
class Bar:
    """One day's count of one source and action, as a rectangle with its tooltip."""

    x: int
    y: float
    width: int
    height: float
    color: str
    title: str
    action: str
    source: str


@dataclass(frozen=True)
class Panel:
    """One brand's chart, drawn `top` pixels down the SVG."""

    brand: str
    top: int
    baseline: int
    bars: list[Bar]
    scale: int  # the count a full half-height bar stands for
    totals: dict[str, dict[str, int]]  # action -> source -> count over the window

    @property
    def title_y(self) -> int:
        """Where the brand's name sits."""
        return self.top + 14

    @property
    def scale_in_y(self) -> int:
        """Where the opt-in scale label sits (the top of the tallest possible bar)."""
        return self.baseline - HALF_HEIGHT + 9

    @property
    def scale_out_y(self) -> int:
        """Where the opt-out scale label sits (the bottom of the deepest possible bar)."""
        return self.baseline + HALF_HEIGHT

    @property
    def day_label_y(self) -> int:
        """Where the time axis's labels sit."""
        return self.baseline + HALF_HEIGHT + 16


@dataclass(frozen=True)
class Chart:
    """Everything the template draws."""

    width: int
    height: int
    first_day: date
    last_day: date
    panels: list[Panel]
    day_labels: list[tuple[int, str]]  # x, text (the same for every panel)
    legend: list[tuple[str, str]] = field(default_factory=list)  # source, colour
    plot_left: int = LEFT  # where the days begin (scale labels end just before)
    plot_right: int = LEFT + WINDOW_DAYS * DAY_WIDTH  # where the days end


def _color(source: str) -> str:
    return COLORS.get(source, OTHER_COLOR)


def _order(source: str) -> tuple[int, str]:
    """Legend and stacking order: the known sources first, in SOURCES order."""
    return (SOURCES.index(source) if source in SOURCES else len(SOURCES), source)


def build(counts: list[DayCount], today: date) -> Chart:
    """The chart of `counts` over the 90 days ending with `today`."""
    first, last = window(today)
    by_brand: dict[str, list[DayCount]] = defaultdict(list)
    for count in counts:
        by_brand[count.brand].append(count)
    panels = [_panel(brand, rows, first, index * PANEL_HEIGHT)
              for index, (brand, rows) in enumerate(sorted(by_brand.items()))]
    sources = sorted({count.source for count in counts}, key=_order)
    labels = [(LEFT + offset * DAY_WIDTH, (first + timedelta(days=offset)).strftime("%b %d"))
              for offset in range(0, WINDOW_DAYS, LABEL_EVERY)]
    return Chart(LEFT + WINDOW_DAYS * DAY_WIDTH + RIGHT, max(1, len(panels)) * PANEL_HEIGHT,
                 first, last, panels, labels, [(source, _color(source)) for source in sources])


def _panel(brand: str, rows: list[DayCount], first: date, top: int) -> Panel:
    """One brand's bars: per day, sources stacked in legend order away from the baseline."""
    daily: dict[tuple[date, str], dict[str, int]] = defaultdict(dict)
    totals: dict[str, dict[str, int]] = {"opt_in": {}, "opt_out": {}}
    for row in rows:
        daily[(row.day, row.action)][row.source] = row.count
        by_source = totals.setdefault(row.action, {})
        by_source[row.source] = by_source.get(row.source, 0) + row.count
    scale = max((sum(sources.values()) for sources in daily.values()), default=1)
    baseline = top + TOP + HALF_HEIGHT
    bars = []
    for (day, action), sources in sorted(daily.items()):
        x = LEFT + (day - first).days * DAY_WIDTH + 1
        stacked = 0.0
        for source in sorted(sources, key=_order):  # the first sits on the baseline
            height = sources[source] * HALF_HEIGHT / scale
            y = baseline - stacked - height if action == "opt_in" else baseline + stacked
            stacked += height
            label = "opt-in" if action == "opt_in" else "opt-out"
            bars.append(Bar(x, round(y, 2), DAY_WIDTH - 2, round(height, 2), _color(source),
                            f"{day.isoformat()} · {brand} · {label} · {source}: "
                            f"{sources[source]}", action, source))
    return Panel(brand, top, baseline, bars, scale, totals)
