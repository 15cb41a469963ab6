"""Microsoft Teams adapter: Bot Framework SDK glue around the platform-neutral core.

Only this package imports botbuilder/botframework. Rendering (render.py, extension.py), payload decoding
(payloads.py) and the manifest (manifest.py, icons.py) are plain Python, so a move to the Microsoft 365
Agents SDK replaces bot.py, app.py and sender.py only (see docs/TEAMS.md).
"""
