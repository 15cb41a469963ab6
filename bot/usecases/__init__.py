"""The use cases; importing this package registers every command and action."""

from bot.usecases import (  # noqa: F401
    accounts,
    announce,
    curate,
    data_rights,
    digest,
    find,
    freshness,
    help,
    home,
    intros,
    me,
    polls,
    preferences,
    profile,
    staff,
    website,
)
