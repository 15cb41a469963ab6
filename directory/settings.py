"""Every setting the service reads, from the environment or a `.env` file, validated once at start.

One place reads configuration (as in the BotBuilder samples' `config.py`) so a typo in a variable is
reported with its name at start-up instead of surfacing as a confusing failure on the first request.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///leaders.db"
# Where Microsoft's Bot Connector lives (the `serviceUrl` hosts Teams sends): the public cloud, whose regional
# paths (/teams/, /emea/, /uk/, …) share one host, and the US government clouds (GCC, GCC High, DoD).
MICROSOFT_SERVICE_URL_HOSTS = ("smba.trafficmanager.net", "smba.infra.gcc.teams.microsoft.com",
                               "smba.infra.gov.teams.microsoft.us", "smba.infra.dod.teams.microsoft.us")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# An origin for CSP frame-ancestors: https (a leading *. wildcard allowed), or plain http on loopback only.
_FRAME_ANCESTOR = re.compile(r"^(https://(\*\.)?[a-z0-9.-]+|http://(localhost|127\.0\.0\.1))(:\d{1,5})?$")
_HOST = re.compile(r"^[a-z0-9.-]{1,253}$|^\[[0-9a-f:.]+\]$")


class Settings(BaseSettings):
    """DESIGN.md's environment variables. Names are the variable names, case-insensitive."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="LEADERS_DATABASE_URL")
    host: str = Field("127.0.0.1", alias="LEADERS_HOST")
    port: int = Field(3978, alias="LEADERS_PORT", ge=1, le=65535)
    public_url: str = Field("", alias="LEADERS_PUBLIC_URL")
    staff_emails: str = Field("", alias="LEADERS_STAFF_EMAILS")
    allowed_tenants: str = Field("", alias="LEADERS_ALLOWED_TENANTS")
    # Who may talk and who may vouch (docs/TRUST.md, "Organisations we know"): the email domains each
    # tenant may vouch for, the Slack workspaces admitted in OAuth mode, and where Teams may be reached.
    tenant_domains: str = Field("", alias="LEADERS_TENANT_DOMAINS")
    allowed_slack_teams: str = Field("", alias="LEADERS_ALLOWED_SLACK_TEAMS")
    teams_insecure_local: bool = Field(False, alias="LEADERS_TEAMS_INSECURE_LOCAL")
    teams_service_url_hosts: str = Field(",".join(MICROSOFT_SERVICE_URL_HOSTS),
                                         alias="LEADERS_TEAMS_SERVICE_URL_HOSTS")
    search_limit: int = Field(10, alias="LEADERS_SEARCH_LIMIT", ge=1, le=50)
    daily_profile_cap: int = Field(300, alias="LEADERS_DAILY_PROFILE_CAP", ge=1, le=100_000)
    microsoft_authority: str = Field("https://login.microsoftonline.com/organizations",
                                     alias="LEADERS_MICROSOFT_AUTHORITY")
    # Where the Teams tab's SSO tokens' signing keys are published (OpenID metadata with a jwks_uri):
    # Microsoft Entra's public cloud by default; tests, or a sovereign cloud, point it elsewhere.
    tab_openid_metadata_url: str = Field(
        "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
        alias="LEADERS_TAB_OPENID_METADATA_URL")
    # Origins that may frame the Teams tab besides Teams' and Microsoft 365's documented hosts (space- or
    # comma-separated), e.g. a government cloud's Teams (https://*.teams.microsoft.us).
    tab_extra_frame_ancestors: str = Field("", alias="LEADERS_TAB_EXTRA_FRAME_ANCESTORS")
    # Threads per `serve` process that run chat turns (adapters/bootstrap.py says why the default is small).
    turn_threads: int = Field(2, alias="LEADERS_TURN_THREADS", ge=1, le=32)
    # Worker processes per `serve` process that run Slack's chat turns, so acks never wait on a search
    # (adapters/turn_processes.py); 0 runs them on the turn threads above instead. `turn_nice`: how much
    # lower the workers' CPU priority is than the server's (0-19): acks first on a machine of its own,
    # but on a shared one the turns would yield to everything else too (docs/PERFORMANCE.md), hence 0.
    turn_processes: int = Field(2, alias="LEADERS_TURN_PROCESSES", ge=0, le=32)
    turn_nice: int = Field(0, alias="LEADERS_TURN_NICE", ge=0, le=19)
    # Bearer token a scraper must send for /metrics. Without it, the public port serves no metrics (use a
    # separate --metrics-port on a private network instead); with it, every /metrics requires it.
    metrics_token: str = Field("", alias="LEADERS_METRICS_TOKEN")
    # Whom an unverified leader should contact to be added: an email address or a URL.
    support_contact: str = Field("", alias="LEADERS_SUPPORT_CONTACT")
    # Who runs this service, for the privacy notice and terms at /privacy and /terms (UK GDPR: the
    # controller's identity and contact details). Unset, the pages say the details are not published yet.
    operator_name: str = Field("", alias="LEADERS_OPERATOR_NAME")
    operator_address: str = Field("", alias="LEADERS_OPERATOR_ADDRESS")
    operator_contact: str = Field("", alias="LEADERS_OPERATOR_CONTACT")  # email or URL for data questions
    dpo_contact: str = Field("", alias="LEADERS_DPO_CONTACT")  # the data protection officer, if any
    # The key the erasure suppression list is hashed with (directory/suppression.py). Unset: the service
    # makes one and keeps it in the database; set it (32+ characters) before the first erasure so a copy
    # of the database alone cannot test guessed emails against the list.
    suppression_key: str = Field("", alias="LEADERS_SUPPRESSION_KEY")
    # The two-person rule for curated content: an item goes out only after a second staff member approves
    # it. On by default; `off` (or false/0/no) lets the drafter's item go out as soon as it is published.
    content_approval: bool = Field(True, alias="LEADERS_CONTENT_APPROVAL")
    # Items in one digest before "and N more — type `digest`" (1–20).
    digest_max_items: int = Field(8, alias="LEADERS_DIGEST_MAX_ITEMS", ge=1, le=20)

    # Introductions (bot/introductions.py): how many open requests a leader may have at once and send in
    # any seven days, and the scheduler's moments — a reminder to the recipient, expiry, the re-ask after
    # "Not now", and the "did you meet?" follow-up after an accepted introduction.
    intro_max_open: int = Field(5, alias="LEADERS_INTRO_MAX_OPEN", ge=1, le=1000)
    intro_max_per_week: int = Field(10, alias="LEADERS_INTRO_MAX_PER_WEEK", ge=1, le=10_000)
    intro_reminder_days: float = Field(3, alias="LEADERS_INTRO_REMINDER_DAYS", gt=0, le=365)
    intro_expiry_days: float = Field(14, alias="LEADERS_INTRO_EXPIRY_DAYS", gt=0, le=365)
    intro_snooze_days: float = Field(7, alias="LEADERS_INTRO_SNOOZE_DAYS", gt=0, le=365)
    intro_followup_days: float = Field(14, alias="LEADERS_INTRO_FOLLOWUP_DAYS", gt=0, le=365)

    slack_signing_secret: str = Field("", alias="SLACK_SIGNING_SECRET")
    slack_bot_token: str = Field("", alias="SLACK_BOT_TOKEN")
    slack_client_id: str = Field("", alias="SLACK_CLIENT_ID")
    slack_client_secret: str = Field("", alias="SLACK_CLIENT_SECRET")
    slack_app_token: str = Field("", alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")

    microsoft_app_id: str = Field("", alias="MICROSOFT_APP_ID")
    microsoft_app_password: str = Field("", alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_tenant_id: str = Field("", alias="MICROSOFT_APP_TENANT_ID")
    # SingleTenant: new Azure Bot registrations are single-tenant (multi-tenant creation ended 31 July 2025);
    # backed by a multi-tenant Entra app it still serves every organisation (docs/TEAMS.md).
    microsoft_app_type: str = Field("SingleTenant", alias="MICROSOFT_APP_TYPE")

    # Delivery (the outbox workers): the platforms' published limits as defaults, and how hard to retry.
    slack_workspace_per_minute: int = Field(300, alias="LEADERS_SLACK_WORKSPACE_PER_MINUTE", ge=1)
    # The window the workspace budget is counted over: 60 s is Slack's; a shorter one smooths bursts.
    slack_workspace_window_seconds: float = Field(60.0, alias="LEADERS_SLACK_WORKSPACE_WINDOW_SECONDS",
                                                  gt=0, le=3600)
    slack_channel_per_second: float = Field(1.0, alias="LEADERS_SLACK_CHANNEL_PER_SECOND", gt=0)
    teams_tenant_per_second: int = Field(50, alias="LEADERS_TEAMS_TENANT_PER_SECOND", ge=1)
    teams_conversation_per_second: int = Field(7, alias="LEADERS_TEAMS_CONVERSATION_PER_SECOND", ge=1)
    teams_conversation_per_2s: int = Field(8, alias="LEADERS_TEAMS_CONVERSATION_PER_2S", ge=1)
    teams_conversation_per_30s: int = Field(60, alias="LEADERS_TEAMS_CONVERSATION_PER_30S", ge=1)
    teams_conversation_per_hour: int = Field(1800, alias="LEADERS_TEAMS_CONVERSATION_PER_HOUR", ge=1)
    delivery_headroom: float = Field(0.95, alias="LEADERS_DELIVERY_HEADROOM", gt=0, le=1)
    delivery_max_attempts: int = Field(8, alias="LEADERS_DELIVERY_MAX_ATTEMPTS", ge=1, le=100)
    delivery_backoff_seconds: float = Field(2.0, alias="LEADERS_DELIVERY_BACKOFF_SECONDS", gt=0)
    delivery_backoff_max_seconds: float = Field(600.0, alias="LEADERS_DELIVERY_BACKOFF_MAX_SECONDS", gt=0)
    delivery_lease_seconds: float = Field(30.0, alias="LEADERS_DELIVERY_LEASE_SECONDS", ge=1)
    delivery_poll_seconds: float = Field(1.0, alias="LEADERS_DELIVERY_POLL_SECONDS", gt=0, le=60)
    delivery_concurrency: int = Field(16, alias="LEADERS_DELIVERY_CONCURRENCY", ge=1, le=500)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql+psycopg:// "
                             f"(got a URL starting {value.split(':', 1)[0]!r})")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # psycopg 3 is the driver we ship; the bare scheme would ask SQLAlchemy for psycopg2.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url_is_https_or_empty(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an absolute http(s) URL such as https://leaders.example.gov.uk")
        return value.rstrip("/")

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token_is_strong(cls, value: str) -> str:
        value = value.strip()
        if value and (len(value) < 24 or not value.isascii() or not value.isprintable() or " " in value):
            raise ValueError("must be at least 24 printable ASCII characters without spaces "
                             "(e.g. the output of `openssl rand -hex 32`)")
        return value

    @field_validator("microsoft_authority")
    @classmethod
    def _authority_is_https(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("must be an https URL such as https://login.microsoftonline.com/organizations")
        return value.rstrip("/")

    @field_validator("tab_extra_frame_ancestors")
    @classmethod
    def _frame_ancestors_are_origins(cls, value: str) -> str:
        for origin in value.replace(",", " ").split():
            if not _FRAME_ANCESTOR.match(origin):
                raise ValueError("give origins such as https://*.teams.microsoft.us, separated by spaces "
                                 f"(got {origin[:80]!r})")
        return value

    @field_validator("tenant_domains")
    @classmethod
    def _tenant_domain_pairs(cls, value: str) -> str:
        for pair in (p.strip() for p in value.split(",") if p.strip()):
            tenant, _, domain = pair.partition(":")
            if not tenant.strip() or not _DOMAIN.match(domain.strip().lower()):
                raise ValueError("must be comma-separated tenant-id:domain pairs such as "
                                 f"6f1c…:merseyside.police.uk (got {pair[:80]!r})")
        return value

    @field_validator("teams_service_url_hosts")
    @classmethod
    def _service_url_hosts(cls, value: str) -> str:
        hosts = [h.strip().lower() for h in value.split(",") if h.strip()]
        if not hosts:
            raise ValueError("must name at least one host, such as smba.trafficmanager.net")
        for host in hosts:
            if not _HOST.match(host):
                raise ValueError(f"give host names only, such as smba.trafficmanager.net (got {host[:80]!r})")
        return value

    @field_validator("microsoft_app_type")
    @classmethod
    def _app_type(cls, value: str) -> str:
        allowed = {"multitenant": "MultiTenant", "singletenant": "SingleTenant",
                   "userassignedmsi": "UserAssignedMSI"}
        if value.lower() not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed.values())} (got {value!r})")
        return allowed[value.lower()]

    @model_validator(mode="after")
    def _platform_pairs(self) -> Settings:
        if bool(self.slack_client_id) != bool(self.slack_client_secret):
            raise ValueError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together")
        if (self.slack_bot_token or self.slack_client_id) and not self.slack_signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is required when Slack is configured")
        if self.teams_insecure_local and self.microsoft_app_id:
            raise ValueError("LEADERS_TEAMS_INSECURE_LOCAL turns Teams authentication off; it cannot be "
                             "combined with MICROSOFT_APP_ID (unset one of them)")
        if self.microsoft_app_id and not self.microsoft_app_password \
                and self.microsoft_app_type != "UserAssignedMSI":
            raise ValueError("MICROSOFT_APP_PASSWORD is required when MICROSOFT_APP_ID is set")
        if self.microsoft_app_type in ("SingleTenant", "UserAssignedMSI") and self.microsoft_app_id \
                and not self.microsoft_app_tenant_id:
            app_type = self.microsoft_app_type + \
                ("" if "microsoft_app_type" in self.model_fields_set else " (the default)")
            raise ValueError(
                f"MICROSOFT_APP_TENANT_ID is required: MICROSOFT_APP_TYPE is {app_type}, so the bot "
                "gets its tokens from its own Microsoft Entra tenant — set the tenant id of the bot's app "
                "registration (it still serves every organisation if that app is multi-tenant), or "
                "MICROSOFT_APP_TYPE=MultiTenant for a bot registered as multi-tenant before August 2025")
        return self

    @cached_property
    def staff_email_set(self) -> frozenset[str]:
        return frozenset(e.strip().lower() for e in self.staff_emails.split(",") if e.strip())

    @cached_property
    def allowed_tenant_set(self) -> frozenset[str]:
        return frozenset(t.strip().lower() for t in self.allowed_tenants.split(",") if t.strip())

    @cached_property
    def tenant_domain_map(self) -> dict[str, frozenset[str]]:
        """Tenant id → the email domains it may vouch for (exact domains: a subdomain is listed itself)."""
        pairs: dict[str, set[str]] = {}
        for pair in (p.strip() for p in self.tenant_domains.split(",") if p.strip()):
            tenant, _, domain = pair.partition(":")
            pairs.setdefault(tenant.strip().lower(), set()).add(domain.strip().lower())
        return {tenant: frozenset(domains) for tenant, domains in pairs.items()}

    @cached_property
    def allowed_slack_team_set(self) -> frozenset[str]:
        """Slack team (T…) and Enterprise Grid (E…) ids admitted in OAuth mode; ids keep their case."""
        return frozenset(t.strip() for t in self.allowed_slack_teams.split(",") if t.strip())

    @cached_property
    def teams_service_url_host_set(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.teams_service_url_hosts.split(",") if h.strip())

    @property
    def signin_configured(self) -> bool:
        """Sign in with Microsoft needs the app registration and at least one allowed tenant."""
        return bool(self.microsoft_app_id and self.microsoft_app_password and self.allowed_tenant_set)

    @property
    def base_url(self) -> str:
        """Where people's browsers reach this server: LEADERS_PUBLIC_URL, else the local address."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        path = self.database_url.split("///", 1)[1] if "///" in self.database_url else ""
        return Path(path) if path and path != ":memory:" else None


def load_settings(**overrides: object) -> Settings:
    """Read settings; raises pydantic's ValidationError, which the CLI turns into one line per problem."""
    return Settings(**overrides)  # type: ignore[arg-type]
