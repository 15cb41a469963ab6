"""A leader's main journeys in real Chromium, JavaScript on and off, at 320 CSS px: sign in from chat,
search (results, no results), open a profile, request an introduction (with a mistake first), edit their
own profile (with a mistake first), answer a poll, and the polls, library and settings pages. Every state
passes `check_page` (axe WCAG 2.2 A/AA, no sideways scrolling, no CSP or script errors).

Needs the leader and engagement pages (adapters/web/leader_pages.py, engagement_pages.py) merged."""

from __future__ import annotations

import pytest

from tests.helpers import load_sample
from tests.real_browser import LiveSite, check_page
from tests.real_browser_fixtures import sign_in_from_chat
from tests.web_helpers import add_leader

KIM = "kim.lee@nhs.net"


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_kim_searches_opens_a_profile_and_asks_for_an_introduction(live_site: LiveSite, chromium,  # type: ignore[no-untyped-def]
                                                                   js: bool) -> None:
    load_sample(live_site.db)
    add_leader(live_site.db, "Kim Lee", KIM)
    with chromium.page(js=js) as page:
        sign_in_from_chat(live_site, page, KIM)
        page.get_by_label("Find a leader").fill("chief nurse")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="Alex Smith-Jones").wait_for()
        check_page(page, "search results")
        page.get_by_label("Who are you looking for?").fill('region:"nowhere at all"')
        page.get_by_role("button", name="Search").click()
        page.get_by_role("heading", name="No leaders match").wait_for()
        check_page(page, "no results")
        page.get_by_label("Who are you looking for?").fill("chief nurse")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="Alex Smith-Jones").click()
        page.get_by_role("heading", name="Alex Smith-Jones").wait_for()
        check_page(page, "profile")
        page.get_by_role("button", name="Request an introduction").click()
        check_page(page, "introduction form")
        page.get_by_role("button", name="Send").click()  # no reason yet
        page.get_by_role("heading", name="There is a problem").wait_for()
        check_page(page, "introduction form with an error")
        page.get_by_role("textbox").first.fill("We both run workforce programmes; I would value a chat.")
        page.get_by_role("button", name="Send").click()
        page.wait_for_url("**/intros/*")
        check_page(page, "introduction sent")
        page.goto(live_site.url + "/intros")
        check_page(page, "introductions list")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_kim_edits_her_profile(live_site: LiveSite, chromium, js: bool) -> None:  # type: ignore[no-untyped-def]
    add_leader(live_site.db, "Kim Lee", KIM)
    with chromium.page(js=js) as page:
        sign_in_from_chat(live_site, page, KIM)
        page.goto(live_site.url + "/profile")
        check_page(page, "own profile form")
        role = page.get_by_label("Role", exact=True)
        role.fill("")
        page.get_by_role("button", name="Save").click()
        page.get_by_role("heading", name="There is a problem").wait_for()
        check_page(page, "own profile with an error")
        page.get_by_label("Role", exact=True).fill("Director of Nursing")
        page.get_by_role("button", name="Save").click()
        check_page(page, "own profile saved")
        page.goto(live_site.url + "/polls")
        check_page(page, "polls")
        page.goto(live_site.url + "/library")
        check_page(page, "library")
        page.goto(live_site.url + "/settings")
        check_page(page, "settings")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_kim_answers_an_open_poll(live_site: LiveSite, chromium, js: bool) -> None:  # type: ignore[no-untyped-def]
    from bot.poll_lifecycle import open_poll
    from directory.accounts import ChatIdentity, resolve
    from directory.polls import Poll
    from tests.poll_helpers import new_poll

    add_leader(live_site.db, "Kim Lee", KIM)
    poll_id = new_poll(live_site.db)
    with live_site.db.session() as session:
        assert resolve(session, ChatIdentity("slack", "T0001", "UKIM", email=KIM)) is not None  # in Slack
        poll = session.get(Poll, poll_id)
        assert poll is not None
        open_poll(session, poll, "cli:test")  # sent to everyone in chat, Kim among them
    with chromium.page(js=js) as page:
        sign_in_from_chat(live_site, page, KIM)
        page.goto(live_site.url + "/polls")
        page.get_by_role("link", name="How confident are you in delivering the winter plan?").click()
        check_page(page, "poll")
        page.get_by_role("button", name="Send answer").click()  # nothing chosen
        check_page(page, "poll answered with nothing chosen")
        page.get_by_label("Somewhat").check()
        page.get_by_role("button", name="Send answer").click()
        check_page(page, "poll answered")
