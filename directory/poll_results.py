"""A poll's results: counts, response rate, breakdowns by sector and region with small groups hidden.

Pure functions over plain values, so the same code tallies an open poll's live ballots for staff and
publishes a closed poll's results once (poll_store.close), after which the ballots of an anonymous poll
are gone and only what this module returned is kept.

**Small groups.** A breakdown group (a sector, a region) with fewer than k respondents (but some) is
suppressed: shown as `{"group": …, "suppressed": true}` with no counts. Hiding it alone is not enough,
because what is hidden can often be worked out from what is shown (complementary suppression):

1. *From the total*: total − the shown groups = the hidden ones together. So while a breakdown has
   hidden groups, they must be at least two and hold at least k respondents between them; otherwise the
   next smallest shown group is hidden too.
2. *From the other breakdown*: a shown region whose audience is made only of sectors that are shown and
   lie wholly inside that region, plus hidden sectors, gives away the hidden sectors' part in it by
   subtraction (region − those shown sectors). Unless that part is all of the hidden sectors together
   (which rule 1 already reveals, and keeps at k or more), the region is hidden as well — and the same
   the other way round. Both rules run until nothing changes.

What the audience is made of (which sectors live in which regions) is known to staff, so the second rule
is judged on the audience's sectors and regions, not only on who answered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DIMENSIONS = ("sector", "region")
NOT_STATED = "Not stated"


@dataclass(frozen=True)
class Answer:
    """One ballot as the tally needs it: the voter's groups and choices, never the voter."""

    sector: str
    region: str
    choices: tuple[int, ...]
    answer: str = ""
    comment: str = ""


def group_of(value: str) -> str:
    return value.strip() or NOT_STATED


def _counts(answers: Iterable[Answer], options: Sequence[tuple[int, str]]) -> list[dict]:
    tally: Counter[int] = Counter()
    for a in answers:
        tally.update(set(a.choices))
    return [{"label": label, "count": tally[position]} for position, label in options]


def suppressed_groups(
    responded: dict[str, dict[str, int]], members: Sequence[tuple[str, str]], k: int
) -> dict[str, set[str]]:
    """The groups of each breakdown to hide. `responded[dim][group]`: respondents; `members`: the
    audience's (sector, region) pairs (one per person asked)."""
    hidden = {d: {g for g, n in responded[d].items() if 0 < n < k} for d in DIMENSIONS}
    audience: dict[str, dict[str, set[str]]] = {d: {} for d in DIMENSIONS}  # dim -> group -> other dim's
    for sector, region in members:
        audience["sector"].setdefault(group_of(sector), set()).add(group_of(region))
        audience["region"].setdefault(group_of(region), set()).add(group_of(sector))
    changed = True
    while changed:
        changed = False
        for d in DIMENSIONS:
            groups, shut = responded[d], hidden[d]
            if not shut:
                continue
            together = sum(groups[g] for g in shut)
            if (len(shut) == 1 or together < k) and len(shut) < len(groups):
                candidates = sorted((n, g) for g, n in groups.items() if g not in shut)
                shut.add(candidates[0][1])
                changed = True
        for d1, d2 in (("sector", "region"), ("region", "sector")):
            for h, h_count in responded[d2].items():
                if h in hidden[d2] or h_count == 0:
                    continue
                inside = audience[d2].get(h, set())  # the d1 groups with someone in h
                whole = {g for g in inside if g not in hidden[d1] and audience[d1].get(g, set()) <= {h}}
                rest = inside - whole
                if not rest or not rest <= hidden[d1]:
                    continue  # nothing hidden in h, or mixed with a shown group's unknown part: safe
                residual = h_count - sum(responded[d1].get(g, 0) for g in whole)
                all_hidden = sum(responded[d1][g] for g in hidden[d1])
                if residual > 0 and (residual < k or residual != all_hidden):
                    hidden[d2].add(h)
                    changed = True
    return hidden


def tally(
    answers: Sequence[Answer],
    options: Sequence[tuple[int, str]],
    members: Sequence[tuple[str, str]],
    k: int,
    *,
    kind: str,
) -> dict:
    """Results as `leaders poll results --json` shows them (without the poll's own fields)."""
    responded: dict[str, dict[str, int]] = {d: {} for d in DIMENSIONS}
    for sector, region in members:  # every group asked appears, even with no one answering
        responded["sector"].setdefault(group_of(sector), 0)
        responded["region"].setdefault(group_of(region), 0)
    by_group: dict[str, dict[str, list[Answer]]] = {d: {} for d in DIMENSIONS}
    for a in answers:
        for d, value in (("sector", a.sector), ("region", a.region)):
            g = group_of(value)
            responded[d][g] = responded[d].get(g, 0) + 1
            by_group[d].setdefault(g, []).append(a)
    hidden = suppressed_groups(responded, members, k)
    breakdowns: dict[str, list[dict]] = {}
    for d in DIMENSIONS:
        rows = []
        for g in sorted(responded[d]):
            if g in hidden[d]:
                rows.append({"group": g, "suppressed": True})
            else:
                rows.append(
                    {
                        "group": g,
                        "responded": responded[d][g],
                        "options": _counts(by_group[d].get(g, []), options),
                    }
                )
        breakdowns[d] = rows
    total = len(answers)
    result: dict = {
        "audience": len(members),
        "responded": total,
        "response_rate": round(total / len(members), 4) if members else 0.0,
        "options": _counts(answers, options) if kind != "text" else [],
        "breakdowns": breakdowns,
        "min_group": k,
    }
    if kind == "scale":
        scores = [c for a in answers for c in a.choices]
        result["mean"] = round(sum(scores) / len(scores), 2) if scores else None
    return result


def texts_of(answers: Iterable[Answer]) -> list[tuple[str, str]]:
    """(kind, text) of every free-text answer and comment."""
    found = []
    for a in answers:
        if a.answer.strip():
            found.append(("answer", a.answer.strip()))
        if a.comment.strip():
            found.append(("comment", a.comment.strip()))
    return found
