"""Property: no renderer on any platform ever shows a field the viewer may not see.

Hypothesis draws profiles whose every field holds a unique marker word, a visibility level per field,
and a viewer (the leader themself, staff, someone introduced, a stranger). The expected visibility is
written out here independently of directory/privacy.py — checking the module against itself would prove
nothing. Every card the core builds goes through every renderer: Slack Block Kit (message and Home tab),
Teams Adaptive Cards and messaging-extension results, and the console; a hidden marker in any output fails.

A second property drives the real engine over a real database: search and profile views as another
leader, so the use cases' own choice of card and the search index are covered too.
"""

from __future__ import annotations

import itertools
import json
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.console.render import render as console_render
from adapters.slack.render import home_view, message
from adapters.teams.extension import extension_result
from adapters.teams.render import render_card
from bot.cards import profile_card, summary_card
from bot.engine import Bot
from bot.replies import PersonCard, Reply
from directory.accounts import ChatIdentity
from directory.database import Database
from directory.models import Leader, StaffMember
from directory.people import LeaderInput, by_email, update_own_profile, upsert_leaders
from directory.privacy import PRIVATE_FIELDS, Viewer
from directory.sectors import SECTORS
from directory.settings import Settings

LEVELS = ("everyone", "introduced", "staff")
RELATIONS = ("self", "staff", "introduced", "stranger")
_serial = itertools.count(1)


def expected_visible(field: str, level: str, relation: str) -> bool:
    """The rule as DESIGN.md states it, written out independently of the code under test."""
    if relation in ("self", "staff"):
        return True
    return level == "everyone" or (level == "introduced" and relation == "introduced")


def marked_values(n: int) -> dict[str, str]:
    """A value per field that no other field, label or text could contain by accident."""
    word = f"zq{n}x"
    return {"role": f"Role{word}r", "organisation": f"Org{word}o", "region": f"Reg{word}g",
            "expertise": f"exp{word}e;exp{word}f", "bio": f"Bio{word}b", "cohort": f"Coh{word}c",
            "email": f"mail{word}m@example.gov.uk", "phone": f"+44 7700 {n % 1000:03d}{n % 997:03d}"}


def markers(values: dict[str, str], sector: str) -> dict[str, list[str]]:
    found = {field: [v] for field, v in values.items() if field not in ("expertise",)}
    found["expertise"] = values["expertise"].split(";")
    found["sector"] = [next(s.label for s in SECTORS if s.key == sector)]
    return found


def every_rendering(reply: Reply) -> str:
    """The reply as each platform would send it, in one string to search."""
    outputs = [message(reply), home_view(reply), render_card(reply), extension_result(reply)]
    return json.dumps(outputs, ensure_ascii=False) + console_render(reply)


def viewer_for(relation: str, target_id: int) -> Viewer:
    if relation == "self":
        return Viewer(target_id)
    if relation == "staff":
        return Viewer(999, is_staff=True)
    return Viewer(999, introduced_to=frozenset({target_id}) if relation == "introduced" else frozenset())


visibility_maps = st.fixed_dictionaries({field: st.sampled_from(LEVELS) for field in PRIVATE_FIELDS})


@settings(max_examples=300, deadline=None)
@given(visibility=visibility_maps, relation=st.sampled_from(RELATIONS),
       sector=st.sampled_from([s.key for s in SECTORS]))
def test_no_renderer_shows_a_field_the_viewer_may_not_see(visibility: dict[str, str], relation: str,
                                                          sector: str) -> None:
    n = next(_serial)
    values = marked_values(n)
    # the sector label alone could appear in organisation names; keep them apart for this property
    leader = Leader(id=n, full_name=f"Person {n}", sector=sector, visibility=visibility, verified=True,
                    verified_by="staff import", **values)
    viewer = viewer_for(relation, n)
    # "why it matched" as search might say it, naming every field: only the visible ones may be named
    reasons = ("name", "role", "organisation", "region", "sector",
               f"expertise: {values['expertise'].split(';')[0]}", "bio")
    found = summary_card(viewer, leader, reasons)
    named = next((f.value for f in found.fields if f.label == "Found in"), "").split("; ")
    for field in ("role", "organisation", "region", "sector", "expertise", "bio"):
        shown = any(reason.split(":")[0] == field for reason in named)
        assert shown == expected_visible(field, visibility[field], relation), (field, named)
    for card in (found, summary_card(viewer, leader), profile_card(viewer, leader)):
        output = every_rendering(Reply((card,)))
        assert f"Person {n}" in output  # the name is always shown: the test sees real output
        for field, texts in markers(values, sector).items():
            if not expected_visible(field, visibility[field], relation):
                for text in texts:
                    assert text not in output, f"{field} ({visibility[field]}) leaked to {relation}"


def test_visible_fields_do_reach_the_full_profile_on_every_platform() -> None:
    """The other half: what may be seen is actually shown (a renderer that drops everything would pass
    the property above)."""
    values = marked_values(424242)
    leader = Leader(id=424242, full_name="Person Shown", sector="policing", verified=True,
                    verified_by="staff import", visibility=dict.fromkeys(PRIVATE_FIELDS, "everyone"),
                    **values)
    output = every_rendering(Reply((profile_card(Viewer(1), leader),)))
    for field, texts in markers(values, "policing").items():
        for text in texts:
            if field != "sector":  # shown as its label, checked below
                assert output.count(text) >= 4, f"{field} missing from a renderer"
    assert "Policing" in output


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(visibility=visibility_maps)
def test_search_and_profile_through_the_engine_never_leak(db: Database, visibility: dict[str, str]) -> None:
    n = next(_serial) + 10_000
    values = marked_values(n)
    with db.session() as session:
        upsert_leaders(session, [LeaderInput(email=values["email"], full_name=f"Target{n} Person",
                                             role=values["role"], organisation=values["organisation"],
                                             sector="health", region=values["region"],
                                             expertise=values["expertise"], bio=values["bio"],
                                             phone=values["phone"], cohort=values["cohort"]),
                                 LeaderInput(email=f"viewer{n}@example.gov.uk", full_name=f"Viewer{n} Person",
                                             role="Chief Executive", organisation="Somewhere",
                                             sector="health")])
        target = by_email(session, values["email"])
        assert target is not None
        update_own_profile(session, target, {}, visibility)
        target_id = target.id
    bot = Bot(db, Settings(LEADERS_DATABASE_URL=db.url, _env_file=None))  # type: ignore[call-arg]
    viewer = ChatIdentity("slack", "T1", f"UVIEW{n}", f"viewer{n}@example.gov.uk")
    replies = [bot.handle_text(viewer, f"find target{n}"), bot.handle_text(viewer, f"profile target{n}"),
               bot.handle_action(viewer, f"profile.view:{target_id}")]
    # Searching by a field's value finds the person exactly when the field is visible: finding them by a
    # hidden one would reveal it.
    probes = [(field, f"find {values[field]}") for field in ("role", "organisation", "region", "bio")]
    probes += [("cohort", f"find cohort:{values['cohort']}"), ("region", f'find region:"{values["region"]}"'),
               ("organisation", f"find org:{values['organisation']}"),
               ("expertise", f"find tag:{values['expertise'].split(';')[0]}"),
               ("sector", f"find target{n} sector:health"), ("email", f"profile {values['email']}")]
    for field, words in probes:
        reply = bot.handle_text(viewer, words)
        found = f"Target{n} Person" in every_rendering(reply)
        assert found == expected_visible(field, visibility[field], "stranger"), (words, visibility[field])
        # the result cards ("why it matched" included) leak nothing either (below); the heading echoes
        # what the viewer typed, so only the cards are kept
        replies.append(Reply(tuple(b for b in reply.blocks if isinstance(b, PersonCard))))
    for reply in replies:
        output = every_rendering(reply)
        for field, texts in markers(values, "health").items():
            if field == "sector" or expected_visible(field, visibility[field], "stranger"):
                continue
            for text in texts:
                assert text not in output, f"{field} ({visibility[field]}) leaked through the engine"
    assert f"Target{n} Person" in every_rendering(replies[0])  # the name search did find them


def _results_html(body: str) -> str:
    """The results of a web search page without the words the viewer typed: the search box and the
    heading echo them, the result list is what could leak."""
    return body.split('id="results-count"', 1)[-1].split("</h2>", 1)[-1] if 'id="results-count"' in body \
        else ""


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(visibility=visibility_maps, relation=st.sampled_from(("stranger", "introduced", "staff")))
def test_the_web_pages_never_leak_either(database_url: str, db: Database, visibility: dict[str, str],
                                         relation: str) -> None:
    """The same property over HTML: a leader signed in on the web searches and opens profiles over real
    HTTP (`/find`, `/people/<id>`); nothing hidden reaches the page, and what may be seen does."""
    import asyncio

    from tests.web_leaders import add_leader, introduce, serving

    n = next(_serial) + 20_000
    values = marked_values(n)
    fields = {k: v for k, v in values.items() if k != "email"}
    target = add_leader(db, values["email"], f"Target{n} Person", visibility, sector="health", **fields)
    viewer = add_leader(db, f"viewer{n}@example.gov.uk", f"Viewer{n} Person")
    if relation == "introduced":
        introduce(db, viewer, target, "accepted")
    if relation == "staff":
        with db.session() as session:
            session.add(StaffMember(leader_id=viewer, granted_by="test"))
    probes = [(field, values[field]) for field in ("role", "organisation", "region", "bio")]
    probes += [("cohort", f"cohort:{values['cohort']}"), ("region", f'region:"{values["region"]}"'),
               ("organisation", f"org:{values['organisation']}"),
               ("expertise", f"tag:{values['expertise'].split(';')[0]}"),
               ("sector", f"target{n} sector:health")]

    async def pages() -> tuple[str, str, list[tuple[str, str]]]:
        async with serving(database_url) as site, site.browser(viewer) as browser:
            listed = (await site.page(browser, f"/find?q=target{n}"))[1]
            profile = (await site.page(browser, f"/people/{target}"))[1]
            probed = [(field, (await site.page(browser, "/find?" + urlencode({"q": words})))[1])
                      for field, words in probes]
            return listed, profile, probed

    listed, profile, probed = asyncio.run(pages())
    assert f"Target{n} Person" in _results_html(listed)  # the name search finds them: real output
    for field, body in probed:
        # search matches what everyone may see: introduced or staff, a search finds no more than a
        # stranger's does (the profile then shows them more)
        found = f"Target{n} Person" in _results_html(body)
        assert found == expected_visible(field, visibility[field], "stranger"), (field, visibility[field])
    shown = [_results_html(listed), profile, *(_results_html(body) for _, body in probed)]
    for field, texts in markers(values, "health").items():
        visible = expected_visible(field, visibility[field], relation)
        for text in texts:
            for html_page in shown:
                if not visible:
                    assert text not in html_page, f"{field} ({visibility[field]}) leaked to a {relation}"
            if visible:
                assert text in profile, f"{field} ({visibility[field]}) missing for a {relation}"
