"""A poll's results as the console page shows them: a summary sentence, bars, a table, breakdowns.

Everything is drawn from `results_data` — the published, already suppressed results that `leaders poll
results --json` prints — so the page can show no more than the JSON does. A suppressed group has no
count anywhere in what this returns, only the word. The bars are widths in percent for an SVG `<rect>`
(a presentation attribute, so the strict CSP needs no inline style); their labels stay HTML text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from directory.sectors import sector_label


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int  # of those who answered
    width: int  # 0–100, relative to the longest bar


@dataclass(frozen=True)
class GroupRow:
    group: str
    suppressed: bool
    responded: int | None = None
    counts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    labels: tuple[str, ...]
    rows: tuple[GroupRow, ...]


@dataclass(frozen=True)
class Comment:
    id: int
    text: str
    redacted: bool


@dataclass(frozen=True)
class ResultsView:
    final: bool
    summary: str
    bars: tuple[Bar, ...] = ()
    breakdowns: tuple[Breakdown, ...] = ()
    comments: tuple[Comment, ...] = ()
    comments_note: str = ""
    rate: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def summary(data: dict[str, Any]) -> str:
    """One sentence a reader who skips the chart still gets everything from."""
    rate = round(100 * data["response_rate"])
    answered = f"{data['responded']} of {data['audience']} leaders asked answered ({rate}%)"
    if not data["final"]:
        return (f"So far {answered}. Counts are published when the poll closes, so that nobody's answer "
                "can be worked out from two readings.")
    options = [o for o in data["options"] if o["count"] is not None]
    if data["kind"] == "text" or not options:
        return f"{answered}. The answers are free text: see the comments below."
    top = max(o["count"] for o in options)
    leaders = [o["label"] for o in options if o["count"] == top]
    if top == 0:
        return f"{answered}. Nobody chose any option."
    chose = " and ".join(f"“{label}”" for label in leaders)
    tie = "were chosen most" if len(leaders) > 1 else "was chosen most"
    share = _percent(top, data["responded"])
    sentence = f"{answered}. {chose} {tie}, by {top} ({share}% of those answering)."
    if data.get("mean") is not None:
        sentence += f" The average score was {data['mean']} out of 5."
    return sentence


def view(data: dict[str, Any]) -> ResultsView:
    rate = round(100 * data["response_rate"])
    if not data["final"]:
        return ResultsView(False, summary(data), rate=rate)
    options = [o for o in data["options"] if o["count"] is not None]
    top = max((o["count"] for o in options), default=0)
    bars = tuple(Bar(o["label"], o["count"], _percent(o["count"], data["responded"]),
                     _percent(o["count"], top)) for o in options)
    labels = tuple(o["label"] for o in data["options"])
    breakdowns = []
    for dimension in ("sector", "region"):
        rows = []
        for group in data["breakdowns"][dimension]:
            name = sector_label(group["group"]) if dimension == "sector" else group["group"]
            if group.get("suppressed"):
                rows.append(GroupRow(name, True))
            else:
                rows.append(GroupRow(name, False, group["responded"],
                                     tuple(o["count"] for o in group["options"])))
        breakdowns.append(Breakdown(dimension, labels, tuple(rows)))
    comments = tuple(Comment(c["id"], c["text"], c["redacted"]) for c in data.get("comments", []))
    note = "" if data.get("comments_shown") else (
        f"Comments are shown once at least {data['min_group']} people have answered.")
    return ResultsView(True, summary(data), bars, tuple(breakdowns), comments, note, rate)
