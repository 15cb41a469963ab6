"""Running the bot: `leaders serve` (web server + scheduler + delivery) and `leaders chat` (console)."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import click
from aiohttp import web

from adapters.background import Background
from adapters.bootstrap import Services, build_services
from adapters.cli.directory_commands import load_rows
from adapters.cli.main import database_or_exit, fail, settings_or_exit
from adapters.console.session import ConsoleConversation, run_repl
from adapters.logs import configure as configure_logging
from adapters.server import build_app, build_status_app
from adapters.teams.config import is_configured as is_teams_configured
from adapters.teams.service_urls import is_loopback_host
from adapters.turn_processes import TurnWorkersDidNotStartError
from adapters.web.signin import log_signin_state
from directory.demo_data import DEMO, generate_rows
from directory.people import LeaderInput, by_email, count
from directory.settings import Settings

log = logging.getLogger("leaders.serve")
DEMO_COUNT = 500
DEMO_SEED = 42


def chat_hint(email: str) -> str:
    """The command that works from here: `leaders` itself when it is on PATH, else the path of this
    install's script (the README's install puts it in .venv/bin, which is not on PATH)."""
    import shutil
    import sys

    def shown(path: Path) -> str:
        try:
            return str(path.absolute().relative_to(Path.cwd().absolute()))
        except ValueError:
            return str(path.absolute())

    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    on_path = shutil.which("leaders")
    if on_path and script is not None and Path(on_path).resolve() == script.resolve():
        command = "leaders"
    elif script is not None and script.name == "leaders" and script.exists():
        command = shown(script)
    else:
        command = f"{shown(Path(sys.executable))} -m adapters.cli"
    return f"{command} chat --as {email}"


def seed_demo(settings: Settings) -> str:
    """Load the demo directory into an empty database; never touch one that has data. Returns an email."""
    database = database_or_exit(settings)
    with database.session() as session:
        existing = count(session)
    if existing:
        click.echo(f"The database already holds {existing} leaders; not adding demo data.", err=True)
    else:
        load_rows([LeaderInput(**r) for r in generate_rows(DEMO_COUNT, DEMO_SEED)], False,
                  f"{DEMO_COUNT} demo leaders", verified_by=DEMO)
    with database.session() as session:
        from sqlalchemy import select

        from directory.models import Leader
        email = session.scalar(select(Leader.email).order_by(Leader.id).limit(1)) or ""
    database.dispose()
    return email


@click.command("serve")
@click.option("--demo", is_flag=True, help="Seed a demo directory into an empty database first.")
@click.option("--no-scheduler", is_flag=True,
              help="Do not run the scheduler here (run `leaders scheduler` elsewhere).")
@click.option("--no-workers", is_flag=True,
              help="Do not deliver outbox messages here (run `leaders worker` elsewhere).")
@click.option("--host", default=None, help="Override LEADERS_HOST.")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Override LEADERS_PORT.")
@click.option("--metrics-port", type=click.IntRange(1, 65535), default=None,
              help="Also serve /metrics and /healthz on this port (for a private network; with "
                   "LEADERS_METRICS_TOKEN set, it is required there too).")
def serve_command(demo: bool, no_scheduler: bool, no_workers: bool, host: str | None,
                  port: int | None, metrics_port: int | None) -> None:
    """Run the web server (Slack, Teams, health, metrics) with the scheduler and delivery in-process.

    One process on SQLite needs nothing else. For many web replicas use --no-scheduler --no-workers and run
    `leaders worker` and `leaders scheduler` separately (see docs/DEPLOY.md).
    """
    settings = settings_or_exit()
    if settings.teams_insecure_local and not is_loopback_host((host or settings.host).strip("[]").lower()):
        # Loopback serviceUrls keep the bot's messages here, but a card button or a search is answered in
        # the HTTP response itself: reachable from elsewhere, anyone could read a leader's view.
        fail(f"LEADERS_TEAMS_INSECURE_LOCAL is for this machine only: listen on 127.0.0.1, ::1 or localhost "
             f"(LEADERS_HOST / --host), not {(host or settings.host)[:80]}", code=2)
    if demo:
        email = seed_demo(settings)
        if email:
            click.echo(f"Demo ready. In another terminal, in this directory, try:  {chat_hint(email)}",
                       err=True)
    database_or_exit(settings).dispose()  # clear message if the database is down or behind
    services = build_services(settings, with_scheduler=not no_scheduler, with_workers=not no_workers)
    try:
        asyncio.run(_serve(services, host or settings.host, port or settings.port, metrics_port))
    except TurnWorkersDidNotStartError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot listen on {host or settings.host}:{port or settings.port}"
             f"{f' or {metrics_port}' if metrics_port else ''}: {error.strerror}")


async def _serve(services: Services, host: str, port: int, metrics_port: int | None = None) -> None:
    app = build_app(services)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    status_runner = web.AppRunner(build_status_app(services), access_log=None) if metrics_port else None
    background = Background(services)
    await background.start()  # before listening, so /healthz never reports a scheduler still starting
    try:
        await site.start()
        if status_runner is not None:
            await status_runner.setup()
            await web.TCPSite(status_runner, host, metrics_port).start()
            log.info("metrics on http://%s:%d/metrics", host, metrics_port)
    except OSError:
        await background.close()
        await runner.cleanup()
        if status_runner is not None:
            await status_runner.cleanup()
        raise
    socket_mode = await _start_slack_socket_mode(app, services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    platforms = [name for name, on in (("Slack", services.settings.slack_signing_secret),
                                       ("Teams", is_teams_configured(services.settings))) if on]
    log.info("Leaders Connect listening on http://%s:%d (health: /healthz; platforms: %s)", host, port,
             ", ".join(platforms) or "none configured — console and health only")
    _warn_if_teams_unauthenticated(app)
    log_signin_state(services.settings)
    if services.settings.metrics_token:
        log.info("/metrics needs LEADERS_METRICS_TOKEN as a bearer token")
    elif metrics_port is None:
        log.info("/metrics is not served on port %d: set LEADERS_METRICS_TOKEN, or use --metrics-port", port)
    try:
        await stop.wait()
    finally:
        log.info("shutting down")
        await background.close()
        if socket_mode is not None:
            await socket_mode.close_async()
        await runner.cleanup()
        if status_runner is not None:
            await status_runner.cleanup()
        services.turn_threads.shutdown(wait=False)
        services.database.dispose()


async def _start_slack_socket_mode(app: web.Application, services: Services):  # type: ignore[no-untyped-def]
    """With SLACK_APP_TOKEN set, Slack also reaches us over Socket Mode (no public URL needed)."""
    if not services.settings.slack_app_token:
        return None
    from adapters.slack.http import SLACK_APP
    from adapters.slack.socket_mode import start_socket_mode

    if SLACK_APP not in app:
        log.warning("SLACK_APP_TOKEN is set but Slack is not configured (SLACK_SIGNING_SECRET and "
                    "SLACK_BOT_TOKEN or SLACK_CLIENT_ID): Socket Mode is off")
        return None
    try:
        return await start_socket_mode(app[SLACK_APP], services.settings.slack_app_token)
    except Exception as error:  # the HTTP server keeps serving; the operator sees why Slack is not connected
        detail = type(error).__name__
        response = getattr(error, "response", None)  # SlackApiError carries Slack's error code
        if response is not None and hasattr(response, "get"):
            detail += f" ({response.get('error')})"
        log.error("Slack Socket Mode could not connect: %s", detail)
        return None


def _warn_if_teams_unauthenticated(app: web.Application) -> None:
    """Local mode (LEADERS_TEAMS_INSECURE_LOCAL) trusts anyone on loopback, and an empty tenant list admits
    nobody: say so loudly, last thing at start, where an operator looks."""
    from adapters.teams.app import TEAMS

    if TEAMS in app:
        app[TEAMS].log_start_state()


@click.command("chat")
@click.option("--as", "email", required=True, metavar="EMAIL", help="Talk as the leader with this email.")
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), default=Path("leaders-chat.log"),
              show_default=True, help="Where the service's log lines go, so they never interrupt the chat.")
@click.pass_context
def chat_command(ctx: click.Context, email: str, log_file: Path) -> None:
    """Talk to the bot in the terminal as a leader: the same replies as Slack or Teams, in text.

    The service's own log lines go to --log-file, not to the terminal the conversation is in.
    """
    try:
        stream = open(log_file, "a", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
    except OSError as error:
        fail(f"cannot write the log file {log_file}: {error.strerror} (choose another with --log-file)")
    configure_logging(bool((ctx.obj or {}).get("verbose")), stream)
    settings = settings_or_exit()
    database = database_or_exit(settings)
    with database.session() as session:
        known = by_email(session, email) is not None
    if not known:
        click.echo(f"Note: {email} is not in the directory, so you will see what an unverified account "
                   "sees.", err=True)
    services = build_services(settings)
    run_repl(ConsoleConversation(services.bot, email))


COMMANDS = (serve_command, chat_command)
