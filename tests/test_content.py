"""Curating content: links must be https, summaries are short, topics come from the vocabulary, and the
two-person rule — an item drafted by one staff member goes out only after another approves it, with both
in the audit log. Through the store and through `leaders content …` as two different operators."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from directory import content
from directory.content import ContentError
from directory.database import Database
from directory.models import AuditEvent
from tests.content_helpers import APPROVER, DRAFTER, topics


@pytest.mark.parametrize("url, reason", [
    ("javascript:alert(document.cookie)", "javascript: is refused"),
    ("JavaScript:alert(1)", "javascript: is refused"),
    ("http://www.gov.uk/guidance", "http: is refused"),
    ("data:text/html;base64,PHNjcmlwdD4=", "data: is refused"),
    ("www.gov.uk/guidance", "no scheme is refused"),
    ("https://", "needs a host name"),
    ("https://user:pw@evil.example/", "no user name or password"),
    ("https://www.gov.uk/a b", "spaces or control characters"),
    ("https://www.gov.uk/\x00", "spaces or control characters"),
    ("https://www.gov.uk/<script>", "must percent-encode"),
    ("https://evil.example|Click", "must percent-encode"),
    ("", "a link is required"),
])
def test_only_https_links_are_accepted(url: str, reason: str) -> None:
    with pytest.raises(ContentError, match=reason):
        content.check_url(url)


def test_good_links_and_the_limits(db: Database) -> None:
    assert content.check_url(" https://www.gov.uk/guidance?x=1#y ") == "https://www.gov.uk/guidance?x=1#y"
    topics(db)
    with db.session() as session:
        with pytest.raises(ContentError, match="summary is too long"):
            content.add_item(session, actor=DRAFTER, title="T", url="https://gov.uk", summary="x" * 501,
                             topics=["cyber"])
        with pytest.raises(ContentError, match="unknown topic 'astrology'; the topics are: cyber, net-zero"):
            content.add_item(session, actor=DRAFTER, title="T", url="https://gov.uk", summary="s",
                             topics=["astrology"])
        content.retire_topic(session, "workforce", "cli:test")
        with pytest.raises(ContentError, match="unknown topic 'workforce'"):
            content.add_item(session, actor=DRAFTER, title="T", url="https://gov.uk", summary="s",
                             topics=["workforce"])
        assert content.list_items(session) == []


def test_the_drafter_cannot_approve_and_the_audit_log_has_both(db: Database) -> None:
    topics(db)
    with db.session() as session:
        item = content.add_item(session, actor=DRAFTER, title="Ten steps", url="https://gov.uk/x",
                                summary="s", topics=["cyber"])
        assert item.state() == "awaiting approval" and not item.is_live()
        with pytest.raises(ContentError, match=r"drafted by you .* another staff member must approve"):
            content.approve(session, item.id, DRAFTER)
        content.approve(session, item.id, APPROVER)
        assert item.is_live() and item.approved_by == APPROVER
        with pytest.raises(ContentError, match="not awaiting approval"):
            content.approve(session, item.id, "leader:9003")
        # Changing what leaders read sends it back; the editor is now the one who may not approve.
        content.edit(session, item.id, APPROVER, title="Ten steps to cyber security")
        assert item.state() == "awaiting approval"
        with pytest.raises(ContentError, match="drafted by you"):
            content.approve(session, item.id, APPROVER)
        content.approve(session, item.id, DRAFTER)
        events = [(e.actor, e.action, e.details.get("drafted_by")) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.subject == f"content:{item.id}").order_by(AuditEvent.id))]
    assert events == [(DRAFTER, "content.drafted", None), (APPROVER, "content.approved", DRAFTER),
                      (APPROVER, "content.edited", None), (DRAFTER, "content.approved", APPROVER)]


def _cli(database_url: str, tmp_path: Path, user: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`leaders ARGS` as the operating-system user `user` (the audit actor `cli:<user>`)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LEADERS_", "SLACK_", "MICROSOFT_"))}
    clean.update(LEADERS_DATABASE_URL=database_url, USER=user, LOGNAME=user, **env)
    return subprocess.run([sys.executable, "-m", "adapters.cli", *args], cwd=tmp_path, env=clean,
                          capture_output=True, text=True, timeout=120)


def test_the_two_person_rule_on_the_command_line(db: Database, database_url: str, tmp_path: Path) -> None:
    made = _cli(database_url, tmp_path, "alice", "content", "topics", "add", "cyber", "workforce")
    assert made.returncode == 0
    bad = _cli(database_url, tmp_path, "alice", "content", "add", "--title", "X", "--url",
               "javascript:alert(1)", "--summary", "s", "--topic", "cyber")
    assert bad.returncode == 2 and "javascript: is refused" in bad.stderr and bad.stderr.count("\n") == 1
    added = _cli(database_url, tmp_path, "alice", "content", "add", "--title", "Ten steps", "--url",
                 "https://www.ncsc.gov.uk/x", "--summary", "Start here.", "--topic", "cyber",
                 "--audience", "sector:health", "--publish", "now", "--expires", "+3d", "--json")
    assert added.returncode == 0, added.stderr
    item = json.loads(added.stdout)
    assert item["state"] == "awaiting approval" and item["audience"] == "sector:health"
    own = _cli(database_url, tmp_path, "alice", "content", "approve", str(item["id"]))
    assert own.returncode == 2 and "two-person rule" in own.stderr
    other = _cli(database_url, tmp_path, "bob", "content", "approve", str(item["id"]))
    assert other.returncode == 0 and "drafted by cli:alice" in other.stdout
    shown = json.loads(_cli(database_url, tmp_path, "carol", "content", "show", str(item["id"]),
                            "--json").stdout)
    assert shown["state"] == "published" and shown["approved_by"] == "cli:bob"
    audit = [json.loads(line) for line in _cli(database_url, tmp_path, "carol", "audit", "--json",
                                                "--action", "content.").stdout.splitlines()]
    assert [(e["actor"], e["action"]) for e in audit] == [("cli:alice", "content.topic_added")] * 2 + [
                                                          ("cli:alice", "content.drafted"),
                                                          ("cli:bob", "content.approved")]
    # With the rule off, the drafter's item is approved as it is added.
    off = _cli(database_url, tmp_path, "alice", "content", "add", "--title", "Workforce plan", "--url",
               "https://www.gov.uk/w", "--summary", "s", "--topic", "workforce", "--json",
               LEADERS_CONTENT_APPROVAL="off")
    assert json.loads(off.stdout)["state"] == "published"
    listed = json.loads(_cli(database_url, tmp_path, "carol", "content", "list", "--json").stdout)
    assert [i["title"] for i in listed] == ["Workforce plan", "Ten steps"]
    retired = _cli(database_url, tmp_path, "carol", "content", "retire", str(item["id"]))
    assert retired.returncode == 0
    assert [i["title"] for i in json.loads(_cli(database_url, tmp_path, "c", "content", "list",
                                                "--json").stdout)] == ["Workforce plan"]
    bad_when = _cli(database_url, tmp_path, "alice", "content", "add", "--title", "X", "--url", "https://a.b",
                    "--summary", "s", "--topic", "cyber", "--publish", "next tuesday")
    assert bad_when.returncode == 2 and "--publish: cannot read" in bad_when.stderr
    bad_audience = _cli(database_url, tmp_path, "alice", "content", "add", "--title", "X", "--url",
                        "https://a.b", "--summary", "s", "--topic", "cyber", "--audience", "sector:astrology")
    assert bad_audience.returncode == 2 and "--audience:" in bad_audience.stderr
