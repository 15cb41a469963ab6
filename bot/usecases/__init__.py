"""The use cases; importing this package registers every command and action."""

from bot.usecases import accounts, data_rights, find, help, intros, me, polls, profile, staff  # noqa: F401
