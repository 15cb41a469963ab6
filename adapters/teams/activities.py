"""A neutral reply as the message activity Teams receives: one Adaptive Card, and a notification summary.

Kept apart from the activity handler (bot.py) so the proactive sender and the turn's answers can build
the same activity without importing each other.
"""

from __future__ import annotations

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment

from adapters.teams.render import CARD_CONTENT_TYPE, render_card
from bot.replies import Reply


def reply_activity(reply: Reply, recipient_id: str = "") -> Activity:
    """The reply as one Adaptive Card; `summary` feeds notifications. `recipient_id` (the person the
    message is for) is who a live card refreshes for automatically."""
    card = Attachment(content_type=CARD_CONTENT_TYPE,
                      content=render_card(reply, viewers=(recipient_id,) if recipient_id else ()))
    activity = MessageFactory.attachment(card)
    activity.summary = reply.summary
    return activity
