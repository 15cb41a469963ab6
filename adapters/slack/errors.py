"""Slack Web API failures, logged for operators without tokens or personal data.

A SlackApiError's text includes the whole response (and our request may hold a token or a leader's
profile), so only the method, Slack's error code and any Retry-After are ever logged. Rate limits are
retried by slack-sdk's own Retry-After-honouring handler attached to every client (see install.py).
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

log = logging.getLogger("adapters.slack")

# Errors that mean "this workspace's installation is broken", not "this request was bad".
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
                         "missing_scope", "team_access_not_granted"})


def error_code(error: SlackApiError) -> str:
    try:
        return str(error.response.get("error") or f"http_{error.response.status_code}")
    except Exception:  # a response we cannot read still gets logged
        return "unknown"


def log_api_error(method: str, error: SlackApiError) -> None:
    code = error_code(error)
    status = getattr(error.response, "status_code", 0)
    if status == 429 or code == "ratelimited":
        retry_after = (getattr(error.response, "headers", None) or {}).get("Retry-After", "?")
        log.warning("Slack %s rate limited (Retry-After %s s) after retries", method, retry_after)
    elif code in AUTH_ERRORS:
        log.error("Slack %s refused our token (%s): reinstall the app in that workspace", method, code)
    else:
        log.warning("Slack %s failed: %s", method, code)
