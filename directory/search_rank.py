"""Ranking search candidates, and saying why each one matched — identical on both backends.

The backends only *gather* candidates (search.py); every candidate gathered is scored here, in Python,
before any is cut, so the order is one exact contract on SQLite and PostgreSQL and the number of results
asked for never changes who comes first.

A score is a pair, compared in order:
1. **tier** — the contract name > role > organisation > expertise > bio: each query word counts the
   weight of the heaviest field it was found in (16/8/4/2/1) times how it matched (as typed 1.0, a
   short-form expansion 0.9, the last word as a prefix 0.8, a typo correction 0.7), plus a bonus when one
   field holds every query word ("chief nurse" is a Chief Nurse before a Mr Nurse who is a chief
   executive).
2. **within the tier**, what a good engine weighs (BM25's ideas, with a fixed field weighting):
   - a field *equal* to what was asked (every word of the field matched) beats one merely containing it,
     so "Chief Constable" comes before "Assistant Chief Constable";
   - shorter fields beat longer ones (BM25 length normalisation, k1 = 1.2, b = 0.75, per-field average
     lengths below);
   - evidence in every field adds up (the word in the role *and* the expertise beats the role alone;
     the long bio is read only for a word found nowhere heavier);
   - rarer words count more (inverse document frequency, from the backend's own index);
   - a profile not confirmed for twelve months or more is lowered a little.
Ties then break on what a person would accept — verified first, then the most recently confirmed, then
by name — never on row order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from directory import clock
from directory.privacy import is_public
from directory.sectors import sector_label
from directory.textfold import index_tokens

FIELDS = ("name", "role", "organisation", "expertise", "bio")
WEIGHTS = {"name": 16.0, "role": 8.0, "organisation": 4.0, "expertise": 2.0, "bio": 1.0}
EXACT, SYNONYM, PREFIX, TYPO = 1.0, 0.9, 0.8, 0.7
# Typical folded lengths (words) of each field in a real directory, for length normalisation.
AVERAGE_LENGTH = {"name": 2.5, "role": 3.0, "organisation": 7.0, "expertise": 6.0, "bio": 45.0}
K1, B = 1.2, 0.75
EQUAL_BONUS = 1.5  # a field made only of the words asked for, as a share of its field weight / 16
STALE_AFTER = timedelta(days=365)
STALE_PENALTY = 0.5
STOPWORDS = frozenset({"of", "the", "and", "for", "in", "at", "to", "a", "an", "on", "with"})


@dataclass(frozen=True)
class Alternative:
    """One way a query group can match: every token present (the last one may be a prefix)."""

    tokens: tuple[str, ...]
    prefix: bool = False  # the last token also matches as a prefix
    typo: bool = False
    synonym: bool = False

    @property
    def quality(self) -> float:
        return TYPO if self.typo else SYNONYM if self.synonym else EXACT


Group = tuple[Alternative, ...]


class Words:
    """A candidate's folded words per search field, as the index stores them (search_index.search_texts:
    public fields only, already folded), split only when first asked for: most query words are settled
    by the name or role, so the long bio is rarely split."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._texts = texts
        self._words: dict[str, list[str]] = {}
        self._sets: dict[str, frozenset[str]] = {}

    def __getitem__(self, name: str) -> list[str]:
        words = self._words.get(name)
        if words is None:
            words = self._words[name] = (self._texts.get(name) or "").split()
        return words

    def set(self, name: str) -> frozenset[str]:
        found = self._sets.get(name)
        if found is None:
            found = self._sets[name] = frozenset(self[name])
        return found


@dataclass
class Candidate:
    """A leader as ranking sees them: folded words per search field, and the tie-breaks."""

    id: int
    full_name: str
    verified: bool
    last_confirmed: datetime | None
    words: Words


@dataclass(frozen=True)
class Ranked:
    id: int
    tier: float
    score: float
    tokens: dict[str, frozenset[str]]  # per field, the folded words that matched (for "why it matched")
    bio_reason: bool  # some word was found in the bio alone


def candidate(row: Mapping[str, Any]) -> Candidate:
    """A candidate from a pool row: the fields' folded text as indexed, and the tie-breaks."""
    confirmed = row["confirmed_at"] or row["created_at"]
    return Candidate(row["id"], row["full_name"], bool(row["verified"]), confirmed, Words(row))


def _token_hits(token: str, prefix: bool, words: list[str]) -> bool:
    if token in words:
        return True
    return prefix and any(w.startswith(token) for w in words)


def _alternative_fields(alternative: Alternative,
                        words: Words) -> tuple[float, dict[str, float]] | None:
    """How well an alternative matches: its tier value and, per field, the quality its tokens have
    there; None if some token is nowhere. A token found only as a prefix lowers the quality to PREFIX.
    A several-word alternative ("director general") counts at the heaviest field holding all its words,
    or else at its weakest word's best field."""
    last = len(alternative.tokens) - 1
    per_field: dict[str, float] = {}
    per_token: list[dict[str, float]] = []
    for i, token in enumerate(alternative.tokens):
        found: dict[str, float] = {}
        for name in FIELDS:
            if name == "bio" and found:
                break  # the bio is looked at only for a word found nowhere heavier
            if token in words.set(name):
                found[name] = alternative.quality
            elif alternative.prefix and i == last and any(w.startswith(token) for w in words[name]):
                found[name] = min(alternative.quality, PREFIX)
        if not found:
            return None
        per_token.append(found)
        for name, quality in found.items():
            per_field[name] = max(per_field.get(name, 0.0), quality)
    if len(per_token) == 1:
        return max(WEIGHTS[n] * q for n, q in per_field.items()), per_field
    together = [n for n in FIELDS if all(n in found for found in per_token)]
    if together:
        best = max(WEIGHTS[n] * min(found[n] for found in per_token) for n in together)
    else:
        best = min(max(WEIGHTS[n] * q for n, q in found.items()) for found in per_token)
    return best, per_field


def _bm25(length: int, name: str) -> float:
    return (K1 + 1) / (1 + K1 * (1 - B + B * length / AVERAGE_LENGTH[name]))


def rank(candidates: Sequence[Candidate], groups: Sequence[Group], idf: Mapping[str, float],
         require_all: bool) -> list[Ranked]:
    """Score every candidate (dropping those that do not match as required), best first."""
    now = clock.now()
    ranked: list[tuple[tuple[Any, ...], Ranked]] = []
    for c in candidates:
        tier = 0.0
        within = 0.0
        matched_tokens: dict[str, set[str]] = {name: set() for name in FIELDS}
        groups_in_field: dict[str, int] = dict.fromkeys(FIELDS, 0)
        matched_groups = 0
        only_bio = False  # some word was found in the bio alone: then the bio is named as a reason
        for group in groups:
            best_tier = 0.0
            best_fields: dict[str, float] = {}
            best_alt: Alternative | None = None
            for alternative in group:
                matched = _alternative_fields(alternative, c.words)
                if matched is None:
                    continue
                top, fields = matched
                if top > best_tier:
                    best_tier, best_fields, best_alt = top, fields, alternative
            if best_alt is None:
                continue
            matched_groups += 1
            tier += best_tier
            if best_tier <= WEIGHTS["bio"]:
                only_bio = True
            rarity = max(idf.get(t, 1.0) for t in best_alt.tokens)
            for name, quality in best_fields.items():
                groups_in_field[name] += 1
                within += WEIGHTS[name] / 16 * quality * rarity * _bm25(len(c.words[name]), name)
                for token in best_alt.tokens:
                    if token in c.words.set(name):
                        matched_tokens[name].add(token)
                    elif best_alt.prefix:
                        matched_tokens[name].update(w for w in c.words[name] if w.startswith(token))
        if matched_groups == 0 or (require_all and matched_groups < len(groups)):
            continue
        if len(groups) > 1:
            together = next((n for n in FIELDS if groups_in_field[n] == len(groups)), None)
            if together:
                tier += WEIGHTS[together] * len(groups)
        for name in FIELDS[:-1]:  # (a bio is never "equal" to a query)
            if not matched_tokens[name]:
                continue
            content = [w for w in c.words[name] if w not in STOPWORDS]
            if content and matched_tokens[name] and all(w in matched_tokens[name] for w in content):
                within += EQUAL_BONUS * WEIGHTS[name] / 16
        stale = c.last_confirmed is not None and now - _aware(c.last_confirmed) >= STALE_AFTER
        if stale:
            within -= STALE_PENALTY
        confirmed = _aware(c.last_confirmed).timestamp() if c.last_confirmed else 0.0
        result = Ranked(c.id, round(tier, 4), round(tier + within / 1000, 6),
                        {n: frozenset(t) for n, t in matched_tokens.items() if t}, only_bio)
        key = (-round(tier, 4), -round(within, 6), not c.verified, stale, -confirmed, c.full_name, c.id)
        ranked.append((key, result))
    ranked.sort(key=lambda pair: pair[0])
    return [r for _, r in ranked]


def explain(leader: Any, ranked: Ranked) -> tuple[str, ...]:
    """Where the words were found, in field order, naming only what everyone may see of this leader.

    The organisation search field is made of organisation, region and sector: the one(s) that held the
    words are named; expertise names the item(s) ("expertise: cyber security"); the bio only when a word
    was found nowhere else."""
    found: list[str] = []
    for name in FIELDS:
        tokens = ranked.tokens.get(name)
        if not tokens or (name == "bio" and not ranked.bio_reason and found):
            continue
        if name == "organisation":
            for part in ("organisation", "region", "sector"):
                if is_public(leader, part):
                    raw = getattr(leader, part) if part != "sector" else sector_label(leader.sector)
                    if tokens & set(index_tokens(raw or "")):
                        found.append(part)
        elif name == "expertise":
            items = [f"expertise: {item.strip()}" for item in (leader.expertise or "").split(";")
                     if item.strip() and tokens & set(index_tokens(item))]
            found += items[:3] or ["expertise"]
        else:
            found.append(name)
    return tuple(found)


def idf_of(document_count: int, frequencies: Mapping[str, int]) -> dict[str, float]:
    """BM25's inverse document frequency, floored at a small positive value (common words still count)."""
    n = max(document_count, 1)
    return {t: max(0.1, math.log(1 + (n - df + 0.5) / (df + 0.5))) for t, df in frequencies.items()}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
