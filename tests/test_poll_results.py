"""Small groups in poll results: a group under k is never shown — not directly, not by subtracting the
shown groups from the total, and not by subtracting one breakdown's groups from the other's."""

from __future__ import annotations

from directory.poll_results import Answer, suppressed_groups, tally

OPTIONS = [(1, "Yes"), (2, "No")]


def people(sector: str, region: str, n: int, choice: int = 1) -> list[Answer]:
    return [Answer(sector, region, (choice,)) for _ in range(n)]


def shown(result: dict, dimension: str) -> dict[str, dict]:
    return {g["group"]: g for g in result["breakdowns"][dimension] if not g.get("suppressed")}


def hidden(result: dict, dimension: str) -> set[str]:
    return {g["group"] for g in result["breakdowns"][dimension] if g.get("suppressed")}


def test_a_group_of_four_is_hidden_and_a_second_group_with_it() -> None:
    answers = people("health", "Wales", 8) + people("policing", "Wales", 6, 2) + people("fire", "Wales", 4, 2)
    result = tally(answers, OPTIONS, [(a.sector, a.region) for a in answers], 5, kind="single")
    assert result["responded"] == 18 and result["options"] == [
        {"label": "Yes", "count": 8},
        {"label": "No", "count": 10},
    ]
    assert hidden(result, "sector") == {"fire", "policing"}  # fire (4), and the smallest other with it
    assert set(shown(result, "sector")) == {"health"}
    fire = next(g for g in result["breakdowns"]["sector"] if g["group"] == "fire")
    assert fire == {"group": "fire", "suppressed": True}  # no counts at all
    # Subtraction from the total gives fire and policing together: 10, never fire's 4.
    left = result["responded"] - sum(g["responded"] for g in shown(result, "sector").values())
    assert left == 10


def test_hidden_groups_together_reach_k() -> None:
    answers = people("health", "Wales", 20) + people("fire", "Wales", 1) + people("justice", "Wales", 1)
    result = tally(answers, OPTIONS, [(a.sector, a.region) for a in answers], 5, kind="single")
    # fire + justice = 2 < 5: health would give them away by subtraction, so everything is hidden.
    assert hidden(result, "sector") == {"fire", "justice", "health"}


def test_a_region_that_would_give_away_a_hidden_sector_is_hidden_too() -> None:
    # Fire (4) all in Wales; policing (6) all in Scotland; health 5 in Wales and 5 in England.
    answers = (
        people("fire", "Wales", 4, 2)
        + people("policing", "Scotland", 6)
        + people("health", "Wales", 5)
        + people("health", "England", 5, 2)
    )
    result = tally(answers, OPTIONS, [(a.sector, a.region) for a in answers], 5, kind="single")
    assert hidden(result, "sector") == {"fire", "policing"}
    # Scotland is only policing: shown, it would give policing's counts, and then total − health −
    # policing = fire. So Scotland is hidden, and England with it (a lone hidden region).
    assert "Scotland" in hidden(result, "region") and len(hidden(result, "region")) >= 2
    wales = shown(result, "region").get("Wales")
    if wales is not None:  # Wales mixes fire with part of health: fire cannot be taken out of it
        assert wales["responded"] == 9
    for dimension in ("sector", "region"):
        left = result["responded"] - sum(g["responded"] for g in shown(result, dimension).values())
        assert left == 0 or left >= 5


def test_a_group_of_four_is_never_shown_whatever_the_audience_looks_like() -> None:
    """Many shapes of audience: a group of 4 in either breakdown is never recoverable by subtracting the
    shown groups of one breakdown from the total or from a shown group of the other."""
    shapes = [
        {("fire", "Wales"): 4, ("health", "Wales"): 6, ("health", "England"): 7},
        {("fire", "Wales"): 4, ("health", "England"): 9, ("policing", "England"): 5},
        {("fire", "Wales"): 2, ("fire", "England"): 2, ("health", "England"): 12},
        {("health", "Orkney"): 4, ("health", "Wales"): 8, ("policing", "Wales"): 8},
        {
            ("fire", "Wales"): 4,
            ("policing", "Wales"): 5,
            ("health", "England"): 5,
            ("justice", "Scotland"): 6,
        },
    ]
    for shape in shapes:
        answers = [a for (s, r), n in shape.items() for a in people(s, r, n)]
        members = [(a.sector, a.region) for a in answers]
        result = tally(answers, OPTIONS, members, 5, kind="single")
        for dimension, other in (("sector", "region"), ("region", "sector")):
            groups: dict[str, int] = {}
            for a in answers:
                key = a.sector if dimension == "sector" else a.region
                groups[key] = groups.get(key, 0) + 1
            small = {g for g, n in groups.items() if n == 4}
            assert small <= hidden(result, dimension), shape
            visible = shown(result, dimension)
            left = result["responded"] - sum(g["responded"] for g in visible.values())
            assert left == 0 or left >= 5, shape  # from the total: only the hidden ones together
            # From the other breakdown: a shown group there minus the groups of this one lying wholly
            # inside it must not leave just part of the hidden groups.
            for h, h_group in shown(result, other).items():
                inside = {
                    (s if dimension == "sector" else r)
                    for (s, r) in shape
                    if (r if dimension == "sector" else s) == h
                }
                whole = {
                    g
                    for g in inside
                    if g in visible
                    and all(
                        (rr if dimension == "sector" else ss) == h
                        for (ss, rr) in shape
                        if (ss if dimension == "sector" else rr) == g
                    )
                }
                rest = inside - whole
                if rest and rest <= hidden(result, dimension):
                    residual = h_group["responded"] - sum(visible[g]["responded"] for g in whole)
                    assert residual == left, (shape, h)


def test_empty_groups_are_shown_as_zero_and_need_no_hiding() -> None:
    members = [("health", "Wales")] * 6 + [("fire", "Wales")] * 3
    answers = people("health", "Wales", 6)
    result = tally(answers, OPTIONS, members, 5, kind="single")
    assert shown(result, "sector")["fire"]["responded"] == 0 and hidden(result, "sector") == set()
    assert suppressed_groups({"sector": {"a": 0}, "region": {"b": 0}}, [], 5) == {
        "sector": set(),
        "region": set(),
    }
