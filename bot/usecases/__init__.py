"""The use cases; importing this package registers every command and action."""

from bot.usecases import (  # noqa: F401
    accounts,
    data_rights,
    find,
    freshness,
    help,
    intros,
    me,
    polls,
    profile,
    staff,
)
