"""Link opens through our own server: with a public https URL, a digest's link button goes to
`/r/<the item's token>`, which counts the open for the item (never for a person) and redirects only to
the stored https link — and only while the item is approved. `leaders content stats` shows the figures."""

from __future__ import annotations

import json

import aiohttp

from bot.content_cards import digest_replies
from directory import content
from directory.content import ContentItem
from directory.database import Database
from directory.digests import Preference
from directory.settings import Settings
from tests.content_helpers import digest, publish, topics
from tests.live_helpers import link
from tests.teams_server import running

PUBLIC = "https://leaders.example.gov.uk"


def public(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": PUBLIC})


async def get(url: str) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as session, session.get(url, allow_redirects=False) as response:
        return response.status, dict(response.headers), await response.text()


def item(db: Database, item_id: int) -> ContentItem:
    with db.session() as session:
        found = session.get(ContentItem, item_id)
        assert found is not None
        session.expunge(found)
        return found


async def test_opens_are_counted_per_item_and_only_go_to_the_stored_link(settings, db, leaders) -> None:
    topics(db)
    first = publish(db, "Ten steps to cyber security")
    other = publish(db, "Workforce census", topic="workforce", url="https://www.gov.uk/census")
    token = item(db, first).link_token
    (reply,) = digest_replies(public(settings), [item(db, first)], 0, Preference(), first=False)
    assert f"{PUBLIC}/r/{token}" in json.dumps([str(b) for b in reply.blocks])
    async with running(settings) as (base, _, _):
        for _ in range(3):
            status, headers, _ = await get(f"{base}/r/{token}")
            assert status == 302 and headers["Location"] == "https://www.ncsc.gov.uk/collection/10-steps"
            assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"
        for bad in ("nope", "x" * 40, "%2e%2e%2fadmin", "https:%2f%2fevil.example"):
            status, headers, body = await get(f"{base}/r/{bad}")
            assert status == 404 and "Location" not in headers and "not (or no longer)" in body
        with db.session() as session:
            content.retire(session, other, "leader:1")
        status, _, _ = await get(f"{base}/r/{item(db, other).link_token}")
        assert status == 404
    assert item(db, first).opens == 3 and item(db, other).opens == 0
    link(db, "slack", "T0001", "UAINE", "aine.nibhriain@belfastcity.gov.uk")
    digest(db, force=True)
    stats = json.loads(leaders("content", "stats", "--json").stdout)
    (row,) = [r for r in stats["items"] if r["id"] == first]
    assert (row["queued"], row["delivered"], row["opens"], row["useful"]) == (1, 0, 3, 0)
    (cyber,) = [t for t in stats["topics"] if t["topic"] == "cyber"]
    assert (cyber["items"], cyber["opens"], cyber["queued"]) == (1, 3, 1)
    assert "email" not in json.dumps(stats) and "aine" not in json.dumps(stats).lower()
