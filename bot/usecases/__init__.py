"""The use cases; importing this package registers every command and action."""

from bot.usecases import accounts, data_rights, find, freshness, help, me, profile, staff  # noqa: F401
