"""The use cases; importing this package registers every command and action."""

from bot.usecases import find, help, me, profile  # noqa: F401
