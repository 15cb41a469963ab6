"""The leader pages over real HTTP: a leader signed in on the web searches `/find`, opens `/people/<id>`
and edits their own profile at `/profile` — the same use cases and privacy rules as chat."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from directory.database import Database
from directory.models import AuditEvent, Leader
from tests.web_leaders import LeaderSite as Site
from tests.web_leaders import add_leader, introduce, serving, text_of

HOSTILE_NAME = 'Eve <script>alert("x")</script> \u202eevil.com\u202c O\'Hara'
HOSTILE_BIO = '<img src=x onerror=alert(1)> "quoted" & \u2067isolated\u2069 <b>bold</b>'


@pytest.fixture
async def site(database_url: str, db: Database) -> AsyncIterator[Site]:
    async with serving(database_url) as running:
        yield running


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    return {
        "viewer": add_leader(db, "viewer@cardiff.gov.uk", "Val Viewer", role="Director of Policy",
                             organisation="Cardiff Council", sector="local-government"),
        "nia": add_leader(db, "nia@nhs.net", "Nia Jones", role="Chief Nurse",
                          organisation="Cardiff NHS Trust", sector="health", region="Wales",
                          expertise="patient safety;workforce",
                          bio="Nursing leader.", phone="+44 7700 900555", cohort="2024 Spring"),
    }


async def test_a_search_lists_who_matched_and_why(site: Site, people: dict[str, int]) -> None:
    async with site.browser(people["viewer"]) as browser:
        status, body = await site.page(browser, "/find?q=chief+nurse")
    assert status == 200
    text = text_of(body)
    assert "1 leader matches “chief nurse”" in text
    assert f'<a class="govuk-link" href="/people/{people["nia"]}">Nia Jones</a>' in body
    for shown in ("Role Chief Nurse", "Organisation Cardiff NHS Trust", "Sector Health and care (NHS)",
                  "Region Wales", "Found in role"):
        assert shown in text, shown
    assert 'name="q"' in body and 'value="chief nurse"' in body  # the search box keeps the words
    assert "sector:, region:, org:, cohort:, tag:" in text  # the hint names the filters


async def test_a_bad_filter_is_shown_in_the_error_summary(site: Site, people: dict[str, int]) -> None:
    async with site.browser(people["viewer"]) as browser:
        status, body = await site.page(browser, "/find?q=nurse+colour:blue")
    assert status == 400
    assert "govuk-error-summary" in body and 'href="#q"' in body
    assert "'colour:' is not a filter I know" in text_of(body)
    assert "<title>Error: Find a leader" in body
    assert "govuk-input--error" in body


async def test_no_results_says_what_to_try(site: Site, people: dict[str, int]) -> None:
    async with site.browser(people["viewer"]) as browser:
        status, body = await site.page(browser, "/find?q=astronaut+sector:policing")
    text = text_of(body)
    assert status == 200
    assert "No leaders match “astronaut sector:policing”" in text
    assert "Try fewer words, another spelling, or a broader filter" in text and "remove a filter" in text


async def test_results_come_a_page_at_a_time(site: Site, db: Database, people: dict[str, int]) -> None:
    for n in range(25):
        add_leader(db, f"planner{n}@manchester.gov.uk", f"Planner{n:02d} Person", role="Head of Planning")
    async with site.browser(people["viewer"]) as browser:
        first = text_of((await site.page(browser, "/find?q=planning"))[1])
        status, last_body = await site.page(browser, "/find?q=planning&page=3")
        beyond = text_of((await site.page(browser, "/find?q=planning&page=99"))[1])
        bad_status, bad = await site.page(browser, "/find?q=planning&page=two")
    assert "25 leaders match “planning”" in first and "Showing 1 to 10." in first
    assert status == 200 and "Showing 21 to 25." in text_of(last_body)
    assert 'aria-current="page"' in last_body and 'href="/find?q=planning&amp;page=2"' in last_body
    assert 'rel="prev"' in last_body and 'rel="next"' not in last_body
    assert len(re.findall(r'href="/people/\d+"', last_body)) == 5
    assert "Showing 21 to 25." in beyond  # past the end: the last page, as chat's paging does
    assert bad_status == 400 and "The page number must be a whole number" in text_of(bad)


async def test_more_than_thirty_says_so_and_asks_to_narrow(site: Site, db: Database,
                                                            people: dict[str, int]) -> None:
    for n in range(32):
        add_leader(db, f"fire{n}@westmidlands-fire.gov.uk", f"Fire{n:02d} Chief", role="Fire Officer",
                   sector="fire-and-rescue")
    async with site.browser(people["viewer"]) as browser:
        text = text_of((await site.page(browser, "/find?q=fire+officer&page=3"))[1])
    assert "More than 30 leaders match" in text and "Add words or filters to narrow it down." in text


async def test_a_profile_shows_introduced_fields_only_after_an_accepted_intro(
        site: Site, db: Database, people: dict[str, int]) -> None:
    path = f"/people/{people['nia']}"
    async with site.browser(people["viewer"]) as browser:
        before = (await site.page(browser, path))[1]
        introduce(db, people["viewer"], people["nia"], "requested")
        requested = (await site.page(browser, path))[1]
        with db.session() as session:
            session.get(Leader, people["nia"]).email  # noqa: B018  (loaded to be sure it exists)
            from directory.introductions import Introduction
            intro = session.scalars(select(Introduction)).one()
            intro.status = "accepted"
        after = (await site.page(browser, path))[1]
    for body in (before, requested):
        assert "nia@nhs.net" not in body and "900555" not in body
        assert "Contact details are shared once you have been introduced." in text_of(body)
    assert f'href="/intros/new?to={people["nia"]}"' in before and "Request an introduction" in before
    assert "Chief Nurse" in before and "patient safety, workforce" in text_of(before)
    assert "nia@nhs.net" in after and "+44 7700 900555" in after
    assert "/intros/new" not in after  # introduced already: nothing to request
    with db.session() as session:  # the disclosure is audited, as chat audits it
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "contact.disclosed")).all()
        assert len(events) == 1


async def test_a_leaver_and_an_unknown_id_get_the_same_404(site: Site, db: Database,
                                                           people: dict[str, int]) -> None:
    leaver = add_leader(db, "gone@hmrc.gov.uk", "Gone Person")
    with db.session() as session:
        from directory import clock
        session.get(Leader, leaver).left_at = clock.now()
    async with site.browser(people["viewer"]) as browser:
        answers = [await site.page(browser, f"/people/{who}")
                   for who in (leaver, 987654, "abc", "99999999999999999999", "-1")]
        answers.append(await site.page(browser, "/no-such-page"))
    assert {status for status, _ in answers} == {404}
    # the site's one 404 page, whatever the reason (only the per-response CSP nonce differs)
    assert len({re.sub(r'nonce="[^"]*"', "", body) for _, body in answers}) == 1
    assert "Gone Person" not in answers[0][1] and "Page not found" in answers[0][1]


async def test_a_stale_profile_says_when_it_was_last_confirmed(site: Site, db: Database, clock,  # type: ignore[no-untyped-def]
                                                               people: dict[str, int]) -> None:
    with db.session() as session:
        session.get(Leader, people["nia"]).confirmed_at = clock.now() - timedelta(days=14 * 31)
    async with site.browser(people["viewer"]) as browser:
        text = text_of((await site.page(browser, f"/people/{people['nia']}"))[1])
        listed = text_of((await site.page(browser, "/find?q=nia"))[1])
    assert "last confirmed 14 months ago" in text and "Last confirmed " in text
    assert "last confirmed 14 months ago" in listed


async def test_your_own_profile_links_to_editing_it(site: Site, people: dict[str, int]) -> None:
    async with site.browser(people["nia"]) as browser:
        body = (await site.page(browser, f"/people/{people['nia']}"))[1]
    assert "nia@nhs.net" in body and 'href="/profile"' in body and "/intros/new" not in body


async def test_hostile_text_is_shown_as_text(site: Site, db: Database, people: dict[str, int]) -> None:
    eve = add_leader(db, "eve@hmrc.gov.uk", HOSTILE_NAME, role='Head of "Quotes" & <Tags>', bio=HOSTILE_BIO)
    async with site.browser(people["viewer"]) as browser:
        pages = [(await site.page(browser, path))[1] for path in ("/find?q=eve", f"/people/{eve}")]
        typed = (await site.page(browser, "/find?" + urlencode({"q": '"><script>alert(1)</script> eve'})))[1]
        bad_filter = (await site.page(browser, "/find?" + urlencode({"q": "<b>x</b>:y eve"})))[1]
    async with site.browser(eve) as browser:
        pages.append((await site.page(browser, "/profile"))[1])
    for body in pages:
        assert "<script>alert" not in body and "<img src=x" not in body and "<b>bold" not in body
        assert "&lt;script&gt;" in body
        assert "\u202e" not in body.split("<textarea")[0]  # no override reaches another leader's view
    assert "Head of &#34;Quotes&#34; &amp; &lt;Tags&gt;" in pages[1] or \
        "Head of &quot;Quotes&quot; &amp; &lt;Tags&gt;" in pages[1]
    assert "evil.com" in text_of(pages[0])  # the text stays, only the control is gone
    for body in (typed, bad_filter):  # what the viewer typed comes back as text too
        assert "<script>alert(1)" not in body and "<b>x" not in body
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt; eve"' in typed


async def test_signed_out_visitors_are_sent_to_sign_in(site: Site) -> None:
    from aiohttp import ClientSession

    async with ClientSession() as anonymous:
        for path in ("/find?q=nurse", "/people/1", "/profile"):
            async with anonymous.get(site.url + path, allow_redirects=False) as answer:
                assert answer.status == 303 and answer.headers["Location"].startswith("/sign-in")


def stored(db: Database, leader_id: int) -> Leader:
    with db.session() as session:
        leader = session.get(Leader, leader_id)
        assert leader is not None
        session.expunge(leader)
        return leader


def profile_events(db: Database) -> list[AuditEvent]:
    with db.session() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.self_edited")))
        session.expunge_all()
        return events


async def test_the_profile_page_shows_the_form_and_what_is_missing(site: Site, db: Database,
                                                                   people: dict[str, int]) -> None:
    async with site.browser(people["viewer"]) as browser:
        status, body = await site.page(browser, "/profile")
    text = text_of(body)
    assert status == 200
    assert "Missing from your profile: region, expertise, bio" in text
    assert 'name="role"' in body and 'value="Director of Policy"' in body and "<textarea" in body
    for field in ("role", "organisation", "sector", "region", "expertise", "bio", "cohort", "email", "phone"):
        assert f'name="visibility.{field}"' in body, field
    # email is for the introduced by default
    assert re.search(r'name="visibility.email" type="radio" value="introduced"\s+checked', body)
    assert 'name="email"' not in body and 'name="sector"' not in body  # staff change those


async def test_saving_the_profile_changes_it_and_says_so(site: Site, db: Database,
                                                         people: dict[str, int]) -> None:
    async with site.browser(people["viewer"]) as browser:
        status, location, _ = await site.submit(browser, "/profile", {
            "role": "  Director of  Strategy ", "organisation": "Cardiff Council", "region": "Wales",
            "expertise": "housing; net zero", "bio": "Policy person.", "phone": "",
            "visibility.phone": "staff", "visibility.role": "everyone",
            "email": "attacker@evil.example", "full_name": "Someone Else", "sector": "policing"})
        assert status == 303 and location.startswith("/profile?saved=")
        after = (await site.page(browser, location))[1]
    assert "govuk-notification-banner--success" in after
    assert "Your profile is updated: role, region, expertise, bio, who can see your phone." in text_of(after)
    leader = stored(db, people["viewer"])
    assert leader.role == "Director of Strategy" and leader.expertise == "housing;net zero"
    assert leader.visibility["phone"] == "staff"
    assert leader.email == "viewer@cardiff.gov.uk" and leader.full_name == "Val Viewer"  # not editable here
    assert leader.sector == "local-government"
    assert set(leader.self_edited) == {"role", "region", "expertise", "bio"}  # theirs now: imports keep it
    (event,) = profile_events(db)
    assert event.details == {"fields": ["role", "region", "expertise", "bio", "visibility.phone"]}
    assert "Strategy" not in str(event.details)  # field names only, never the values


async def test_a_crafted_banner_link_says_nothing_it_should_not(site: Site, people: dict[str, int]) -> None:
    async with site.browser(people["viewer"]) as browser:
        body = (await site.page(browser, "/profile?saved=<script>,role"))[1]
    assert "Your profile is updated: role." in text_of(body) and "<script>" not in body


async def test_a_bad_edit_changes_nothing_and_lists_every_problem(site: Site, db: Database,
                                                                  people: dict[str, int]) -> None:
    before = stored(db, people["viewer"])
    async with site.browser(people["viewer"]) as browser:
        status, _, body = await site.submit(browser, "/profile", {
            "role": "", "organisation": "Cardiff Council", "region": "Wales", "expertise": "", "bio": "x",
            "phone": "call me", "visibility.email": "everyone", "visibility.bio": "friends"})
    assert status == 400
    text = text_of(body)
    assert "<title>Error: Your profile" in body and "govuk-error-summary" in body
    assert "Role: This can't be empty." in text and 'href="#role"' in body
    assert "is not a phone number" in text and 'href="#phone"' in body
    assert "“friends” is not a visibility level" in text and 'href="#visibility-bio"' in body
    assert 'value="call me"' in body  # what they typed comes back to correct
    after = stored(db, people["viewer"])
    assert (after.role, after.region, after.bio, after.phone) == (before.role, before.region, before.bio,
                                                                  before.phone)
    assert after.visibility == before.visibility and after.confirmed_at == before.confirmed_at
    assert profile_events(db) == []


async def test_a_post_without_the_csrf_token_is_refused(site: Site, db: Database,
                                                        people: dict[str, int]) -> None:
    before = stored(db, people["viewer"])
    async with site.browser(people["viewer"]) as browser:
        missing = await site.submit(browser, "/profile", {"role": "Hijacked", "organisation": "X"}, token="")
        wrong = await site.submit(browser, "/profile", {"role": "Hijacked", "organisation": "X"},
                                  token="not-the-token")
    assert missing[0] == 403 and wrong[0] == 403
    assert stored(db, people["viewer"]).role == before.role and profile_events(db) == []


async def test_the_daily_cap_counts_web_pages_as_it_counts_chat(database_url: str, db: Database,
                                                                people: dict[str, int]) -> None:
    for n in range(3):
        add_leader(db, f"nurse{n}@nhs.net", f"Nurse{n} Person", role="Ward Nurse")
    async with serving(database_url, daily_profile_cap=4) as capped, capped.browser(people["viewer"]) as b:
        first = await capped.page(b, "/find?q=nurse")  # 4 match: all four shown, the cap is spent
        answers = [await capped.page(b, path) for path in
                   ("/find?q=nurse", f"/people/{people['nia']}", "/people/987654", "/find?q=nobody+at+all")]
        own = await capped.page(b, f"/people/{people['viewer']}")  # your own profile is never capped
    assert first[0] == 200 and "4 leaders match" in text_of(first[1])
    for status, body in answers:  # past the cap every lookup answers alike: nothing can be learned
        assert status == 429 and "You've reached today's limit of 4 profiles shown" in text_of(body)
        assert "Nia Jones" not in body and "Page not found" not in body
    assert own[0] == 200 and "Val Viewer" in own[1]
