"""Curated content: the items staff send to leaders, the topic vocabulary, and what each item earned.

An item is drafted by one staff member and — under the two-person rule (`LEADERS_CONTENT_APPROVAL`, on
by default) — goes out only once another has approved it; the audit log records both. It is *live*
(digests and the library show it) while it is approved, its publish moment has come, it has not expired
and nobody has retired it.

Engagement is counted on the item, never on a person: `opens`, `useful`, `not_for_me` are plain
counters (topic figures are the sums over the items that carry the topic); reach (delivered) is counted
from the outbox rows the item went out in. The only per-person
record is `digest_sent` (directory/digests.py): what a leader was sent, so nothing repeats.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import JSON, DateTime, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from directory import audit
from directory.models import Base, utcnow
from directory.outbox import as_utc

DRAFT, APPROVED, RETIRED = "draft", "approved", "retired"
MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_URL = 2000
MAX_TOPICS = 10
MAX_TOPIC_NAME = 40
_TOPIC = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
COUNTERS = ("opens", "useful", "not_for_me")


class ContentError(ValueError):
    """Input refused with a one-line reason fit for staff; nothing was changed."""


class ContentTopic(Base):
    """One word of the staff's topic vocabulary (`cyber`, `workforce`); retired topics stay for history."""

    __tablename__ = "content_topic"

    name: Mapped[str] = mapped_column(String(MAX_TOPIC_NAME), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ContentItem(Base):
    """An article, event or programme update, with its audience, publish window and counters."""

    __tablename__ = "content_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    url: Mapped[str] = mapped_column(String(MAX_URL))
    summary: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[str] = mapped_column(String(500), default="")  # the search language; "" = everyone
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    publish_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    drafted_by: Mapped[str] = mapped_column(String(200))  # audit actor references, never names
    approved_by: Mapped[str] = mapped_column(String(200), default="")
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The item's own public token for /r/<token>: one per item (not per person), so an open is counted
    # for the item and says nothing about who opened it.
    link_token: Mapped[str] = mapped_column(String(32), unique=True,
                                            default=lambda: secrets.token_urlsafe(16))
    opens: Mapped[int] = mapped_column(Integer, default=0)
    useful: Mapped[int] = mapped_column(Integer, default=0)
    not_for_me: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        expires = as_utc(self.expires_at)
        return self.status == APPROVED and as_utc(self.publish_at) <= now \
            and (expires is None or expires > now)  # type: ignore[operator]

    def state(self, now: datetime | None = None) -> str:
        """What staff see: draft (waiting for approval), scheduled, published, expired or retired."""
        now = now or utcnow()
        if self.status != APPROVED:
            return "awaiting approval" if self.status == DRAFT else RETIRED
        expires = as_utc(self.expires_at)
        if expires is not None and expires <= now:
            return "expired"
        return "published" if as_utc(self.publish_at) <= now else "scheduled"  # type: ignore[operator]

    def as_json(self) -> dict[str, Any]:
        def moment(value: datetime | None) -> str | None:
            return as_utc(value).isoformat() if value else None  # type: ignore[union-attr]

        return {"id": self.id, "title": self.title, "url": self.url, "summary": self.summary,
                "topics": list(self.topics), "audience": self.audience or "everyone", "state": self.state(),
                "publish_at": moment(self.publish_at), "expires_at": moment(self.expires_at),
                "drafted_by": self.drafted_by, "approved_by": self.approved_by or None,
                **{name: getattr(self, name) for name in COUNTERS}}


# -- checks -------------------------------------------------------------------------------------------
def check_url(url: str) -> str:
    """An absolute `https` link with a host, or ContentError saying why not (`javascript:`, `http:` …)."""
    url = (url or "").strip()
    if not url:
        raise ContentError("a link is required (an https:// address)")
    if len(url) > MAX_URL:
        raise ContentError(f"the link is too long ({len(url):,} characters; the most is {MAX_URL:,})")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise ContentError("the link holds spaces or control characters; paste it exactly")
    if any(c in '<>"\\^`{|}' for c in url):  # not valid in a URL unescaped; Slack markup uses < | >
        raise ContentError("the link holds characters a URL must percent-encode (< > \" \\ ^ ` { | }); "
                           "copy it from the browser's address bar")
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme != "https":
        shown = f"{scheme}:" if scheme and scheme.isascii() and scheme.isalnum() else "no scheme"
        raise ContentError(f"links must start with https:// ({shown[:20]} is refused: only https links are "
                           "sent to leaders)")
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password:
        raise ContentError("the link needs a host name and no user name or password, e.g. "
                           "https://www.gov.uk/…")
    return url


def check_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ContentError("a title is required")
    if len(title) > MAX_TITLE:
        raise ContentError(f"the title is too long ({len(title)} characters; the most is {MAX_TITLE})")
    return title


def check_summary(summary: str) -> str:
    summary = (summary or "").strip().replace("\x00", "")
    if len(summary) > MAX_SUMMARY:
        raise ContentError(f"the summary is too long ({len(summary)} characters; the most is {MAX_SUMMARY})")
    return summary


def topic_name(word: str) -> str:
    name = word.strip().lower()
    if not _TOPIC.match(name):
        raise ContentError(f"“{word.strip()[:40]}” is not a topic name (lower-case letters, digits and "
                           f"hyphens, at most {MAX_TOPIC_NAME})")
    return name


def split_topics(words: Sequence[str] | str) -> list[str]:
    """`cyber, workforce` or ["cyber", "workforce"] → names, in order, without repeats."""
    if isinstance(words, str):
        words = [words]
    names = [w.strip().lower() for text in words for w in re.split(r"[,\s]+", text) if w.strip()]
    return list(dict.fromkeys(names))


def live_topics(session: Session) -> list[str]:
    return list(session.scalars(select(ContentTopic.name).where(ContentTopic.retired_at.is_(None))
                                .order_by(ContentTopic.name)))


def check_topics(session: Session, words: Sequence[str] | str) -> list[str]:
    """Topics from the staff vocabulary (not retired); at least one, at most MAX_TOPICS."""
    names = split_topics(words)
    if not names:
        raise ContentError("give at least one topic (see `leaders content topics list`)")
    if len(names) > MAX_TOPICS:
        raise ContentError(f"at most {MAX_TOPICS} topics per item")
    known = set(live_topics(session))
    unknown = [n for n in names if n not in known]
    if unknown:
        choices = ", ".join(sorted(known)) or "none yet — add one with `leaders content topics add NAME`"
        raise ContentError(f"unknown topic {unknown[0][:40]!r}; the topics are: {choices}")
    return names


# -- topics -------------------------------------------------------------------------------------------
def add_topic(session: Session, word: str, actor: str) -> ContentTopic:
    name = topic_name(word)
    topic = session.get(ContentTopic, name)
    if topic is not None and topic.retired_at is None:
        raise ContentError(f"the topic {name!r} already exists")
    if topic is None:
        topic = ContentTopic(name=name)
        session.add(topic)
    topic.retired_at = None
    session.flush()
    audit.record(session, actor, "content.topic_added", f"topic:{name}")
    return topic


def retire_topic(session: Session, word: str, actor: str) -> ContentTopic:
    name = word.strip().lower()
    topic = session.get(ContentTopic, name)
    if topic is None or topic.retired_at is not None:
        raise ContentError(f"no topic {name[:40]!r} (see `leaders content topics list`)")
    topic.retired_at = utcnow()
    audit.record(session, actor, "content.topic_retired", f"topic:{name}")
    return topic


# -- items --------------------------------------------------------------------------------------------
def add_item(session: Session, *, actor: str, title: str, url: str, summary: str, topics: Sequence[str],
             audience: str = "", publish_at: datetime | None = None, expires_at: datetime | None = None,
             approval: bool = True) -> ContentItem:
    """Draft an item (approved at once when the two-person rule is off). Everything is checked first."""
    now = utcnow()
    publish_at = publish_at or now
    if expires_at is not None and expires_at <= publish_at:
        raise ContentError("it would expire before it is published (--expires must be after --publish)")
    item = ContentItem(title=check_title(title), url=check_url(url), summary=check_summary(summary),
                       topics=check_topics(session, topics), audience=audience.strip(),
                       publish_at=publish_at, expires_at=expires_at, drafted_by=actor[:200],
                       status=DRAFT if approval else APPROVED)
    if not approval:
        item.approved_by, item.approved_at = actor[:200], now
    session.add(item)
    session.flush()
    audit.record(session, actor, "content.drafted", f"content:{item.id}", approval_required=approval)
    if not approval:
        audit.record(session, actor, "content.approved", f"content:{item.id}", drafted_by=item.drafted_by,
                     two_person_rule=False)
    return item


def get_item(session: Session, item_id: int) -> ContentItem:
    item = session.get(ContentItem, item_id)
    if item is None:
        raise ContentError(f"no content item with id {item_id}")
    return item


def approve(session: Session, item_id: int, actor: str) -> ContentItem:
    """The second person's yes: refused for the drafter themself, and for an item not awaiting it."""
    item = get_item(session, item_id)
    if item.status != DRAFT:
        raise ContentError(f"item {item_id} is {item.state()}, not awaiting approval")
    if item.drafted_by == actor:
        raise ContentError(f"item {item_id} was drafted by you ({actor}); another staff member must approve "
                           "it (the two-person rule)")
    changed = session.execute(update(ContentItem)
                              .where(ContentItem.id == item.id, ContentItem.status == DRAFT)
                              .values(status=APPROVED, approved_by=actor[:200], approved_at=utcnow(),
                                      revision=ContentItem.revision + 1)
                              .execution_options(synchronize_session=False)).rowcount
    session.refresh(item)
    if not changed:
        raise ContentError(f"item {item_id} is {item.state()}, not awaiting approval")
    audit.record(session, actor, "content.approved", f"content:{item.id}", drafted_by=item.drafted_by,
                 two_person_rule=True)
    return item


def edit(session: Session, item_id: int, actor: str, *, approval: bool = True, **changes: Any) -> ContentItem:
    """Change an item's fields. A change to what leaders read (title, link, summary, topics, audience) of
    an approved item sends it back for approval under the two-person rule."""
    item = get_item(session, item_id)
    if item.status == RETIRED:
        raise ContentError(f"item {item_id} is retired")
    checks = {"title": check_title, "url": check_url, "summary": check_summary,
              "topics": lambda v: check_topics(session, v), "audience": lambda v: v.strip()}
    values = {name: checks[name](value) if name in checks else value
              for name, value in changes.items() if value is not None}
    publish = values.get("publish_at", item.publish_at)
    expires = values.get("expires_at", item.expires_at)
    if expires is not None and as_utc(expires) <= as_utc(publish):  # type: ignore[operator]
        raise ContentError("it would expire before it is published (--expires must be after --publish)")
    changed = [name for name, value in values.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, values[name])
    reapprove = approval and item.status == APPROVED and bool(set(changed) & set(checks))
    if reapprove:
        item.status, item.approved_by, item.approved_at = DRAFT, "", None
        item.drafted_by = actor[:200]  # the editor is now the drafter: someone else must approve the change
    if changed:
        item.revision += 1
        audit.record(session, actor, "content.edited", f"content:{item.id}", fields=changed,
                     back_to_approval=reapprove)
    return item


def retire(session: Session, item_id: int, actor: str) -> ContentItem:
    item = get_item(session, item_id)
    if item.status == RETIRED:
        raise ContentError(f"item {item_id} is already retired")
    item.status = RETIRED
    item.revision += 1
    audit.record(session, actor, "content.retired", f"content:{item.id}")
    return item


def list_items(session: Session, *, include_retired: bool = False) -> list[ContentItem]:
    query = select(ContentItem).order_by(ContentItem.id.desc())
    if not include_retired:
        query = query.where(ContentItem.status != RETIRED)
    return list(session.scalars(query))


def live_items(session: Session, now: datetime | None = None) -> list[ContentItem]:
    """Every item leaders may be shown now, newest publish first."""
    now = now or utcnow()
    query = select(ContentItem).where(ContentItem.status == APPROVED, ContentItem.publish_at <= now,
                                      (ContentItem.expires_at.is_(None)) | (ContentItem.expires_at > now)) \
        .order_by(ContentItem.publish_at.desc(), ContentItem.id.desc())
    return list(session.scalars(query))


def count(session: Session, item_id: int, counter: str, by: int = 1) -> None:
    """Add to one of an item's counters in one UPDATE (concurrent presses never lose a count)."""
    if counter not in COUNTERS:
        raise ValueError(f"unknown counter {counter!r}")
    column = getattr(ContentItem, counter)
    session.execute(update(ContentItem).where(ContentItem.id == item_id).values({column: column + by})
                    .execution_options(synchronize_session=False))


def by_token(session: Session, token: str) -> ContentItem | None:
    if not token or len(token) > 32:
        return None
    return session.scalar(select(ContentItem).where(ContentItem.link_token == token))


def topic_stats(items: Sequence[ContentItem]) -> list[dict[str, Any]]:
    """Per topic: items, and the sums of their counters (an item with two topics counts in both)."""
    totals: dict[str, dict[str, Any]] = {}
    for item in items:
        for topic in item.topics:
            row = totals.setdefault(topic, {"topic": topic, "items": 0, **{c: 0 for c in COUNTERS}})
            row["items"] += 1
            for counter in COUNTERS:
                row[counter] += getattr(item, counter)
    return [totals[name] for name in sorted(totals)]
