"""Recognising a Slack delivery we have already taken: a retry of an event, or a replayed request.

Slack redelivers an Events API event it thinks we missed (same `event_id`, a fresh signature), and anyone
who captured a signed request could send the same bytes again within the signature's five minutes. The
record of what was taken lives in the database (directory/seen_requests.py), so a copy that reaches
another `serve` process is recognised there too. The middleware here only names a delivery's keys; the
work a listener hands off claims them after the ack (app.py's `Background`), so an ack never waits on a
database write.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from directory import seen_requests
from directory.database import Database

log = logging.getLogger("adapters.slack")
# Slack retries an event three times within about five minutes; an hour is ample. A signature is good
# for five minutes either side of its timestamp, so a replay can only arrive within ten of the first copy.
EVENT_MEMORY = timedelta(hours=1)
REPLAY_MEMORY = timedelta(minutes=15)
TIDY_EVERY_SECONDS = 60.0


def _header(req: AsyncBoltRequest, name: str) -> str:
    return str((req.headers.get(name) or [""])[0])


def request_keys(req: AsyncBoltRequest) -> list[str]:
    """What identifies this delivery for de-duplication.

    - An Events API event: its `event_id` — Slack's retries of it carry a fresh signature but the same id.
    - Any signed request (slash commands and interactions carry no event id, and Slack never retries
      them): its signature, an HMAC over the timestamp and the exact body, so only a byte-for-byte copy —
      a replay — shares it. A new command, even the same words a second later, has a new `trigger_id`
      and timestamp, so a new signature.
    """
    body = req.body or {}
    keys = []
    if body.get("type") == "event_callback" and body.get("event_id"):
        keys.append(f"slack:event:{str(body['event_id'])[:100]}")
    signature = _header(req, "x-slack-signature")
    if signature:
        keys.append(f"slack:signature:{signature[:150]}")
    return keys


class SeenRequests:
    """The database's record of Slack deliveries already taken (directory/seen_requests.py)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._next_tidy = 0.0

    def first_time(self, keys: list[str], keep: timedelta) -> bool:
        """Claim every key; False if any was already taken (by this or any other process)."""
        with self.database.engine.begin() as connection:  # a plain connection: a session costs more
            fresh = [seen_requests.first_time(connection, key, keep) for key in keys]
            if time.monotonic() >= self._next_tidy:
                self._next_tidy = time.monotonic() + TIDY_EVERY_SECONDS
                seen_requests.forget_expired(connection)
        return all(fresh)


DELIVERY = "leaders_delivery"  # bolt context key: the request's de-duplication keys, and for how long


def redelivery_filter() -> Any:
    """A bolt middleware that recognises repeated deliveries, so they are acknowledged but not run again.

    A retry Slack sends because our first answer was slow (`X-Slack-Retry-Reason: http_timeout`) is
    skipped here, at once: the first delivery is still being worked on — possibly by another process.
    For everything else the keys (`request_keys`) go into the context, and the listener's work claims them
    in the database *after* the ack (`Background.start`), so an ack never waits on a database write.
    """
    async def skip_redeliveries(req: AsyncBoltRequest, resp: BoltResponse, next: Any) -> BoltResponse:
        body = req.body or {}
        retry_num, retry_reason = _header(req, "x-slack-retry-num"), _header(req, "x-slack-retry-reason")
        is_event = body.get("type") == "event_callback"
        if is_event and retry_num and retry_reason == "http_timeout":
            log.info("skipping Slack's retry %r of a slow event", retry_num[:10])
            return BoltResponse(status=200, body="", headers={"X-Slack-No-Retry": "1"})
        req.context[DELIVERY] = (request_keys(req), EVENT_MEMORY if is_event else REPLAY_MEMORY)
        return await next()
    return skip_redeliveries
