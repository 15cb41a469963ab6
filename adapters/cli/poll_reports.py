"""A closed poll's results as files: CSV (spreadsheet-safe), a PNG chart (matplotlib, Agg), and the one
self-contained, printable HTML report for the head of government.

All three are drawn from `leaders poll results --json`'s dictionary — the published, already suppressed
results — so no file can show more than the JSON does. Every piece of text in the HTML (the question,
option labels, group names, comments) is escaped; the chart is embedded as a data: URI, so the file
needs nothing else to open or print.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from directory.csv_cells import to_cell
from directory.outbox import as_utc
from directory.poll_store import options, results
from directory.polls import Poll
from directory.when import format_moment

Results = dict[str, Any]


def _iso(moment: datetime | None) -> str | None:
    moment = as_utc(moment)
    return moment.isoformat() if moment else None


def poll_json(session: Any, poll: Poll) -> dict[str, Any]:
    return {
        "id": poll.id,
        "question": poll.question,
        "kind": poll.kind,
        "options": [label for _, label in options(session, poll)],
        "audience": poll.audience or "everyone",
        "status": poll.status,
        "opens_at": _iso(poll.opens_at),
        "closes_at": _iso(poll.closes_at),
        "reminders": list(poll.reminders),
        "attributed": poll.attributed,
        "comments": poll.allow_comment,
        "min_group": poll.min_group,
        "results_for": poll.results_for,
        "asked": poll.audience_size,
        "opened_at": _iso(poll.opened_at),
        "closed_at": _iso(poll.closed_at),
    }


def results_data(session: Any, poll: Poll) -> Results:
    """`leaders poll results --json`: the poll's own fields and its (published, suppressed) results —
    what the CLI prints and the staff console shows, so both read one dictionary."""
    about = poll_json(session, poll)
    return {
        "id": poll.id,
        "question": poll.question,
        "kind": poll.kind,
        "status": poll.status,
        "audience_query": about["audience"],
        "opened_at": about["opened_at"],
        "closed_at": about["closed_at"] or about["closes_at"],
        "attributed": poll.attributed,
        **results(session, poll),
    }


def results_csv(data: Results) -> str:
    """One row per count: section (total, sector, region), group, option, count, responded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "group", "option", "count", "responded"])
    for option in data["options"]:
        writer.writerow(["total", "all", to_cell(option["label"]), option["count"], data["responded"]])
    for dimension in ("sector", "region"):
        for group in data["breakdowns"][dimension]:
            name = to_cell(group["group"])
            if group.get("suppressed"):
                writer.writerow([dimension, name, "", "suppressed", "suppressed"])
                continue
            for option in group["options"]:
                writer.writerow(
                    [dimension, name, to_cell(option["label"]), option["count"], group["responded"]]
                )
    for comment in data.get("comments", []):
        writer.writerow(["comment", "", to_cell(comment["text"]), "", ""])
    return out.getvalue()


def chart_png(data: Results) -> bytes:
    """A bar chart of the total counts, as PNG bytes.

    Drawn on a `Figure` of its own rather than through pyplot's global state, so the web console can
    draw reports in worker threads at once without one chart's bars landing on another's axes.
    """
    from matplotlib.figure import Figure  # PNG through the Agg canvas: no display needed

    labels = [o["label"] for o in data["options"]] or ["(free text)"]
    counts = [o["count"] or 0 for o in data["options"]] or [data["responded"]]
    figure = Figure(figsize=(7, 3.6), dpi=120)
    axes = figure.subplots()
    bars = axes.bar(range(len(labels)), counts, color="#1d70b8")
    axes.set_xticks(
        range(len(labels)),
        [_short(label) for label in labels],
        rotation=0 if len(labels) < 5 else 30,
        ha="center" if len(labels) < 5 else "right",
    )
    axes.bar_label(bars, labels=[str(c) for c in counts])
    axes.set_ylabel("answers")
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(f"{data['responded']} of {data['audience']} answered", fontsize=10)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _short(label: str, limit: int = 28) -> str:
    label = label.replace("$", r"\$")  # matplotlib reads $…$ as mathematics
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _when(value: str | None) -> str:
    return format_moment(datetime.fromisoformat(value)) if value else "—"


def report_html(data: Results) -> str:
    """The report: question, audience, dates, response rate, chart, counts, breakdowns, comments."""
    e = html.escape
    chart = base64.b64encode(chart_png(data)).decode("ascii")
    rate = round(100 * data["response_rate"])
    rows = "".join(
        f"<tr><th scope=row>{e(o['label'])}</th><td>{o['count']}</td></tr>" for o in data["options"]
    )
    sections = []
    for dimension in ("sector", "region"):
        labels = [o["label"] for o in data["options"]]
        head = "".join(f"<th scope=col>{e(label)}</th>" for label in labels)
        body = []
        for group in data["breakdowns"][dimension]:
            if group.get("suppressed"):
                body.append(
                    f"<tr class=suppressed><th scope=row>{e(group['group'])}</th>"
                    f"<td colspan={len(labels) + 1}>suppressed (small group)</td></tr>"
                )
            else:
                cells = "".join(f"<td>{o['count']}</td>" for o in group["options"])
                body.append(
                    f"<tr><th scope=row>{e(group['group'])}</th><td>{group['responded']}</td>{cells}</tr>"
                )
        sections.append(
            f"<h2>By {e(dimension)}</h2><table><thead><tr><th scope=col>{e(dimension.title())}</th>"
            f"<th scope=col>Answered</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
    if data.get("comments"):
        comments = "".join(f"<li>{e(c['text'])}</li>" for c in data["comments"])
        comment_part = f"<h2>Comments</h2><ul class=comments>{comments}</ul>"
    elif not data.get("comments_shown"):
        comment_part = f"<h2>Comments</h2><p>Not shown: fewer than {data['min_group']} people answered.</p>"
    else:
        comment_part = ""
    kind = "attributed" if data.get("attributed") else "anonymous"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Poll {data["id"]}: {e(data["question"])}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; color: #0b0c0c; max-width: 48rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.4; }}
h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.2rem; margin-top: 2rem; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ border-bottom: 1px solid #b1b4b6;
       padding: .3rem .5rem; text-align: left; }} td {{ text-align: right; }}
tr.suppressed td {{ text-align: left; color: #505a5f; font-style: italic; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }} dt {{ font-weight: bold; }}
img {{ max-width: 100%; }} .note {{ color: #505a5f; font-size: .9rem; }}
@media print {{ body {{ margin: 0; max-width: none; }} h2 {{ break-after: avoid; }}
               table {{ break-inside: avoid; }} }}
</style></head><body>
<h1>{e(data["question"])}</h1>
<dl>
<dt>Asked</dt><dd>{data["audience"]} leaders ({e(str(data.get("audience_query") or "everyone"))})</dd>
<dt>Opened</dt><dd>{e(_when(data.get("opened_at")))}</dd>
<dt>Closed</dt><dd>{e(_when(data.get("closed_at")))}</dd>
<dt>Answered</dt><dd>{data["responded"]} ({rate}%)</dd>
<dt>Poll</dt><dd>{e(kind)}; groups under {data["min_group"]} suppressed</dd>
</dl>
<h2>Results</h2>
<img alt="Bar chart of the answers" src="data:image/png;base64,{chart}">
<table><tbody>{rows}</tbody></table>
{"".join(sections)}
{comment_part}
<p class=note>Small groups are suppressed, together with any group from which one could be worked out by
subtraction. Leaders Connect poll {data["id"]}.</p>
</body></html>
"""


def write_private(path: Path, content: bytes) -> None:
    """Write a results file readable by its owner only (it is an official's view of leaders' answers)."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_bytes(content)
