"""The daily cap on profiles shown, as use cases meet it: how many may be shown, and what to say when none.

Every profile the bot shows (a search result, a full profile) counts. The cap protects the directory from a
compromised account; an honest leader should never reach it, so the message says whom to ask if they do.
"""

from __future__ import annotations

from bot.commands import Context
from bot.replies import Text
from directory import usage


def allowance(ctx: Context, wanted: int) -> int:
    return usage.charge(ctx.session, ctx.leader.id, wanted, ctx.settings.daily_profile_cap)


def exhausted(ctx: Context) -> bool:
    """True once today's cap is spent. Checked *before* looking anyone up: past the cap, every search
    and lookup answers the same words, so whether something would have matched — a name, a filter value,
    an email, a profile number — cannot be learned by asking again and again."""
    return usage.shown_today(ctx.session, ctx.leader.id) >= ctx.settings.daily_profile_cap


def cap_reached(ctx: Context) -> Text:
    return Text(f"You've reached today's limit of {ctx.settings.daily_profile_cap} profiles shown. It resets "
                "at midnight (UTC). If you need more for your work, ask the Leaders Connect team.", "error")
