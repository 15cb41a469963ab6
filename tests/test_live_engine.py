"""The engine's side of live cards, without a platform: revisions in action ids reach the use case, a
press that replaces its card says so, answers in shared conversations are marked for the audience or for
the person alone, and a refresh (a card redrawn as it is shown) never creates anything."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.actions import ACTIONS, action, revised, split_revision
from bot.commands import Context
from bot.engine import Bot
from bot.live import is_stale, replacing, stale
from bot.replies import Reply, Text
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.models import AccessLink
from directory.settings import Settings
from tests.helpers import load_sample

AINE = ChatIdentity("slack", "T0001", "UAINE", email="aine.nibhriain@belfastcity.gov.uk")
STRANGER = ChatIdentity("teams", "tenant-1", "aad-x", email="nobody@example.com")
SEEN: list[int | None] = []


@pytest.fixture
def bot(db: Database) -> Iterator[Bot]:
    load_sample(db)
    if "test.seen" not in ACTIONS:
        @action("test.seen")
        def seen(ctx: Context, args: list[str]) -> Reply:
            SEEN.append(ctx.revision)
            current = 3
            if is_stale(ctx, current):
                return stale(Reply((Text("the card now"),)), "That card was out of date.")
            return replacing(Reply((Text(f"pressed {args}"),)))
    SEEN.clear()
    yield Bot(db, Settings(LEADERS_DATABASE_URL=db.url, MICROSOFT_APP_ID="app-id",  # type: ignore[call-arg]
                           MICROSOFT_APP_PASSWORD="secret", MICROSOFT_APP_TENANT_ID="tenant-1",
                           LEADERS_ALLOWED_TENANTS="tenant-1", _env_file=None))


def test_revisions_ride_in_action_ids_and_reach_the_use_case(bot: Bot) -> None:
    assert revised("intro.accept:42", 3) == "intro.accept:42~3"
    assert split_revision("intro.accept:42~3") == ("intro.accept:42", 3)
    assert split_revision("intro.accept:42") == ("intro.accept:42", None)
    assert split_revision("x~abc") == ("x~abc", None) and split_revision("x~" + "9" * 13)[1] is None
    with pytest.raises(ValueError):
        revised("x", -1)
    fresh = bot.handle_action(AINE, revised("test.seen:7", 3))
    assert (fresh.replace, fresh.blocks[0].plain()) == (True, "pressed ['7']")  # args without the revision
    old = bot.handle_action(AINE, revised("test.seen:7", 2))
    assert old.replace and [b.plain() for b in old.blocks] == ["That card was out of date.", "the card now"]
    bot.handle_action(AINE, "test.seen:7")  # a button that carries none: never stale
    assert SEEN == [3, 2, None]


def test_in_a_shared_conversation_personal_answers_are_for_the_person_alone(bot: Bot) -> None:
    found = bot.handle_text(AINE, "find nurse", shared=True)
    assert found.private is False  # rendered for the audience: may be posted where others read it
    mine = bot.handle_text(AINE, "accounts", shared=True)
    assert mine.private is True and "Chat accounts linked to your profile" in mine.plain()
    email = bot.handle_text(AINE, "profile", shared=True)
    assert email.private is False and "aine.nibhriain@" not in email.plain()  # others read it
    assert bot.handle_text(AINE, "accounts").private is True  # a 1:1 chat: private as ever


def test_a_refresh_creates_nothing_for_an_unlinked_viewer(bot: Bot, db: Database) -> None:
    def links() -> int:
        with db.session() as session:
            return int(session.scalar(select(func.count()).select_from(AccessLink)) or 0)
    shown = bot.handle_action(STRANGER, "accounts.show", refresh=True)
    assert "Welcome to Leaders Connect" in shown.plain() and "Sign in" not in shown.plain()
    assert links() == 0
    pressed = bot.handle_action(STRANGER, "accounts.show")  # a real press: offered the one-time link
    assert any(getattr(b, "buttons", ()) for b in pressed.blocks) and links() == 1
