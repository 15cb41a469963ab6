"""Staff journeys in real Chromium, JavaScript on and off, at 320 CSS px: every console page, a new poll
sent back with its errors, and a poll's results. Every state passes `check_page`.

Needs the staff console (adapters/web/staff/) merged. Approving content is not here yet: it needs a fresh
Microsoft sign-in (re-authentication), which the browser tests cannot do without a fake Microsoft login
in the browser."""

from __future__ import annotations

import pytest

from tests.real_browser import LiveSite, check_page
from tests.real_browser_fixtures import sign_in_from_chat
from tests.web_helpers import add_leader

STAFF = "sam.okafor@cabinetoffice.gov.uk"
CONSOLE = ("/staff", "/staff/polls", "/staff/content", "/staff/announcements", "/staff/outbox",
           "/staff/audit", "/staff/health", "/staff/members")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_staff_walk_the_console_create_a_poll_and_read_results(live_site: LiveSite, chromium,  # type: ignore[no-untyped-def]
                                                               js: bool) -> None:
    from bot.poll_lifecycle import open_poll
    from directory.accounts import ChatIdentity, resolve
    from directory.polls import Poll
    from tests.poll_helpers import new_poll

    add_leader(live_site.db, "Sam Okafor", STAFF, staff=True)
    poll_id = new_poll(live_site.db, results_for="staff", min_group=1)
    with live_site.db.session() as session:
        assert resolve(session, ChatIdentity("slack", "T0001", "USAM", email=STAFF)) is not None
        poll = session.get(Poll, poll_id)
        assert poll is not None
        open_poll(session, poll, "cli:test")
    with chromium.page(js=js) as page:
        sign_in_from_chat(live_site, page, STAFF)
        for path in CONSOLE:
            page.goto(live_site.url + path)
            check_page(page, path)
        page.goto(live_site.url + "/staff/polls/new")
        check_page(page, "new poll form")
        page.get_by_role("button", name="Create poll").click()
        page.locator(".govuk-error-summary").wait_for()
        check_page(page, "new poll with errors")
        page.goto(f"{live_site.url}/staff/polls/{poll_id}")
        check_page(page, "a poll")
        page.goto(f"{live_site.url}/staff/polls/{poll_id}/results")
        check_page(page, "a poll's results")
