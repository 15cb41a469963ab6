"""`/privacy` and `/terms`, which the Teams manifest's privacyUrl and termsOfUseUrl point at: served over
real HTTP by the real app, with UK GDPR's contents and the operator's details from configuration."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from adapters.teams.manifest import fill, load_template
from tests.slack_fakes import FakeSlack, RunningServer, start_server, stop_server

OPERATOR = {"operator_name": "Cabinet Office <Leaders & Co>",
            "operator_address": "70 Whitehall, London SW1A 2AS",
            "operator_contact": "data@leaders.example.gov.uk",
            "dpo_contact": "dpo@cabinetoffice.example.gov.uk"}


@pytest.fixture
async def configured(database_url: str, fake_slack: FakeSlack) -> AsyncIterator[RunningServer]:
    server = await start_server(database_url, fake_slack, **OPERATOR)
    yield server
    await stop_server(server)


async def test_the_privacy_notice_says_what_uk_gdpr_asks(configured: RunningServer) -> None:
    async with configured.session.get(configured.url + "/privacy") as answer:
        assert answer.status == 200 and answer.content_type == "text/html"
        assert answer.headers["X-Frame-Options"] == "DENY"
        html = await answer.text()
    for heading in ("Who holds your data", "What we hold", "Why, and on what basis", "Who sees it",
                    "What you can do", "How long we keep it", "How to complain"):
        assert f'<h2 class="govuk-heading-m">{heading}</h2>' in html  # on the site's layout
    assert "Cabinet Office &lt;Leaders &amp; Co&gt; is the controller" in html  # escaped, never markup
    assert "70 Whitehall" in html and "data@leaders.example.gov.uk" in html and "dpo@cabinetoffice" in html
    assert "Information Commissioner" in html and "ico.org.uk" in html
    assert "`forget me`" in html and "`mydata`" in html and "within one month" in html


async def test_the_terms_name_the_operator(configured: RunningServer) -> None:
    async with configured.session.get(configured.url + "/terms") as answer:
        assert answer.status == 200
        html = await answer.text()
    assert "Terms of use" in html and "data@leaders.example.gov.uk" in html and "/privacy" in html


async def test_without_operator_details_the_pages_say_so(server: RunningServer) -> None:
    async with server.session.get(server.url + "/privacy") as answer:
        html = await answer.text()
    assert answer.status == 200 and "not published yet" in html


def test_the_manifest_points_at_these_pages() -> None:
    manifest = fill(load_template(), "6f1c2a3b-1111-2222-3333-444455556666", "https://leaders.gov.uk")
    assert manifest["developer"]["privacyUrl"] == "https://leaders.gov.uk/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://leaders.gov.uk/terms"
    assert json.dumps(manifest).count("/privacy") == 1
