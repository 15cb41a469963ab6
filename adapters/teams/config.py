"""The Bot Framework SDK's configuration, built from our Settings in one place.

`ConfigurationBotFrameworkAuthentication` reads attribute names (APP_ID, APP_PASSWORD, …) from any object.
`BotFrameworkEndpoints` replaces the public-cloud endpoints (OpenID metadata for inbound JWTs, the token
issuer, the login URL for the bot's outbound token): tests point them at local servers, and a sovereign or
private cloud deployment could do the same. No SDK import here, so the composition root can hold one.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from directory.settings import Settings

PUBLIC_OAUTH_SCOPE = "https://api.botframework.com"


@dataclass(frozen=True)
class BotFrameworkEndpoints:
    openid_metadata_url: str  # where the signing keys of inbound tokens are published (jwks_uri)
    token_issuer: str  # the `iss` inbound tokens must carry
    login_url: str  # where the bot gets its outbound token (a Microsoft Entra authority)
    oauth_scope: str = PUBLIC_OAUTH_SCOPE


def sdk_configuration(settings: Settings, endpoints: BotFrameworkEndpoints | None = None) -> SimpleNamespace:
    # Without an app id the SDK's authentication is off, which it supports only as "MultiTenant".
    app_type = settings.microsoft_app_type if settings.microsoft_app_id else "MultiTenant"
    config = SimpleNamespace(APP_ID=settings.microsoft_app_id, APP_PASSWORD=settings.microsoft_app_password,
                             APP_TYPE=app_type,
                             APP_TENANTID=settings.microsoft_app_tenant_id or None)
    if endpoints is not None:
        config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = endpoints.openid_metadata_url
        config.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = endpoints.openid_metadata_url
        config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = endpoints.token_issuer
        config.TO_CHANNEL_FROM_BOT_LOGIN_URL = endpoints.login_url
        config.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = endpoints.oauth_scope
        config.VALIDATE_AUTHORITY = False
    return config


def is_authenticated(settings: Settings) -> bool:
    return bool(settings.microsoft_app_id)


def is_configured(settings: Settings) -> bool:
    """Teams is served only when configured: an app id (authenticated), or the explicit local opt-in."""
    return bool(settings.microsoft_app_id) or settings.teams_insecure_local


UNAUTHENTICATED_WARNING = (
    "LEADERS_TEAMS_INSECURE_LOCAL=1: Teams requests on POST /api/messages are NOT AUTHENTICATED. Anyone who "
    "can reach this server can act as any Teams user. Only activities whose serviceUrl is loopback "
    "(localhost, 127.0.0.1, ::1) are accepted and answered. Use this only on your own machine (Bot "
    "Framework Emulator, Teams App Test Tool); set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD instead "
    "for anything else.")
NO_TENANTS_WARNING = (
    "LEADERS_ALLOWED_TENANTS is empty: Teams admits no organisation, so every Teams turn is answered with "
    "a refusal. List the Microsoft tenant ids of the organisations you serve.")
