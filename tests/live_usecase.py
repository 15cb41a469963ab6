"""A small stateful use case that only the tests register: a "handshake" one leader asks of another.

It is built exactly as introductions and polls will be, on bot/live.py alone, so the live-card machinery
is proven end to end without shipping a fake feature: a card to each of the two leaders' chat accounts
(`handshake:<id>:to:<account>`), Accept / Decline buttons carrying the handshake's revision, a press that
replaces its card and updates the other leader's cards through the outbox, stale presses and
double-clicks answered without acting twice, and a per-viewer view (`refresh`): the one asked sees the
buttons, the one asking sees that they are waiting.

Its table lives in the test module's own metadata and is created and dropped by the `handshakes`
fixture of the tests that use it (`handshake_table`), never by a migration.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from bot.actions import ACTIONS, action
from bot.commands import Context
from bot.live import advance, queue_card, replacing, revised, stale, update_card
from bot.replies import Actions, Button, Reply, Text
from directory.accounts import accounts_of
from directory.models import Leader, utcnow

OPEN, ACCEPTED, DECLINED = "open", "accepted", "declined"


class HandshakeBase(DeclarativeBase):
    pass


class Handshake(HandshakeBase):
    __tablename__ = "test_handshake"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    asker_id: Mapped[int] = mapped_column(Integer)  # leader ids (the table is the tests' own: no FK)
    answerer_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def day(moment: datetime | None) -> str:
    moment = moment or utcnow()
    return f"{moment.day} {moment:%b}"


def card(session: Session, shake: Handshake, viewer_id: int) -> Reply:
    """The handshake as `viewer_id` sees it: the one asked gets the buttons while it is open."""
    asker, answerer = session.get(Leader, shake.asker_id), session.get(Leader, shake.answerer_id)
    assert asker is not None and answerer is not None
    refresh = f"handshake.view:{shake.id}"
    if shake.status != OPEN:
        return Reply((Text(f"Handshake {shake.status} on {day(shake.decided_at)}", "heading"),
                      Text(f"{asker.full_name} asked {answerer.full_name}.")), refresh=refresh)
    if viewer_id == shake.answerer_id:
        return Reply((Text(f"{asker.full_name} would like to shake hands", "heading"),
                      Actions((Button("Accept", revised(f"handshake.accept:{shake.id}", shake.revision),
                                      "primary"),
                               Button("Decline", revised(f"handshake.decline:{shake.id}", shake.revision),
                                      "danger")))), refresh=refresh)
    return Reply((Text(f"Waiting for {answerer.full_name} to answer", "heading"),), refresh=refresh)


def key(shake: Handshake, account_id: int) -> str:
    return f"handshake:{shake.id}:to:{account_id}"


def start(session: Session, asker: Leader, answerer: Leader) -> Handshake:
    """Ask, and queue a card to every chat account of both leaders — in one transaction."""
    shake = Handshake(asker_id=asker.id, answerer_id=answerer.id)
    session.add(shake)
    session.flush()
    for leader in (asker, answerer):
        for account in accounts_of(session, leader):
            queue_card(session, account, card(session, shake, leader.id), key(shake, account.id))
    return shake


def redraw_everywhere(session: Session, shake: Handshake) -> None:
    """Every card of this handshake shows its new state, each as its own recipient sees it."""
    for leader_id in (shake.asker_id, shake.answerer_id):
        leader = session.get(Leader, leader_id)
        assert leader is not None
        for account in accounts_of(session, leader):
            update_card(session, key(shake, account.id), card(session, shake, leader_id))


def _decide(ctx: Context, args: list[str], status: str) -> Reply:
    shake = ctx.session.get(Handshake, int(args[0])) if args and args[0].isdigit() else None
    if shake is None or ctx.leader.id != shake.answerer_id:
        return Reply((Text("That handshake is not yours to answer.", "error"),))
    if not advance(ctx, shake, status=status, decided_at=utcnow()):
        return stale(card(ctx.session, shake, ctx.leader.id),
                     f"Already {shake.status} on {day(shake.decided_at)}." if shake.status != OPEN
                     else "This card was out of date: here it is as it is now.")
    redraw_everywhere(ctx.session, shake)
    return replacing(card(ctx.session, shake, ctx.leader.id))


def register() -> None:
    """Put the handshake's actions into the bot's registry (the tests' own feature)."""
    if "handshake.accept" in ACTIONS:
        return

    @action("handshake.accept")
    def accept(ctx: Context, args: list[str]) -> Reply:
        return _decide(ctx, args, ACCEPTED)

    @action("handshake.decline")
    def decline(ctx: Context, args: list[str]) -> Reply:
        return _decide(ctx, args, DECLINED)

    @action("handshake.view")
    def view(ctx: Context, args: list[str]) -> Reply:
        shake = ctx.session.get(Handshake, int(args[0])) if args and args[0].isdigit() else None
        if shake is None or ctx.leader.id not in (shake.asker_id, shake.answerer_id):
            return replacing(Reply((Text("This handshake is not yours to see.", "error"),)))
        return replacing(card(ctx.session, shake, ctx.leader.id))


def state(session: Session, shake_id: int) -> tuple[str, int]:
    row = session.execute(select(Handshake.status, Handshake.revision).where(Handshake.id == shake_id)).one()
    return row[0], row[1]


def handshake_table(database: object) -> Iterator[None]:
    """For a fixture: the handshake's actions registered and its table created, then dropped."""
    register()
    engine = database.engine  # type: ignore[attr-defined]
    HandshakeBase.metadata.create_all(engine)
    try:
        yield
    finally:
        HandshakeBase.metadata.drop_all(engine)
