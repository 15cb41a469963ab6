"""Edit distance and symmetric-delete variants: the arithmetic behind typo-tolerant search.

Both backends find *candidate* corrections for a word in their own way (SQLite: an indexed table of
delete-variants; PostgreSQL: pg_trgm's nearest neighbours); this module decides which candidates are close
enough, identically on both, so "dirctor" finds "director" on either database.
"""

from __future__ import annotations

from itertools import combinations


def max_typos(word: str) -> int:
    """How many edits we forgive: none in short words (too many false friends), more in long ones."""
    if len(word) <= 3 or len(word) > 24:  # past 24 letters it is a paste or an attack, not a typo
        return 0
    if len(word) <= 7:
        return 1
    return 2


def deletes(word: str, depth: int) -> set[str]:
    """`word` with up to `depth` characters removed, `word` itself included."""
    found = {word}
    for n in range(1, depth + 1):
        if len(word) - n < 2:
            break
        for drop in combinations(range(len(word)), n):
            found.add("".join(ch for i, ch in enumerate(word) if i not in drop))
    return found


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (Levenshtein plus adjacent swaps), stopping early past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def close_terms(word: str, candidates: list[str], limit: int = 3) -> list[str]:
    """The candidates within `max_typos(word)` edits, nearest first, at most `limit` of them."""
    allowed = max_typos(word)
    scored = sorted((d, c) for c in candidates if c != word
                    if (d := edit_distance(word, c, allowed)) <= allowed)
    return [c for _, c in scored[:limit]]
