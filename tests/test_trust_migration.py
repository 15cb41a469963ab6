"""Upgrading a directory from before the trust revision (0003): leaders who had already hidden a field stop
being found by it, and the audit log is append-only from then on. Runs the real migrations down to 0003
and back up to head (on PostgreSQL this also proves every later revision's downgrade)."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from directory.database import Database
from directory.people import by_email, update_own_profile
from directory.search import search
from tests.helpers import load_sample

KIM = "kim.chen@manchester.gov.uk"


def test_upgrading_reindexes_leaders_who_had_hidden_fields(db: Database) -> None:
    load_sample(db)
    config = db._alembic_config()
    command.downgrade(config, "0003")
    with db.session() as session:  # as 0003 left it: Kim's region hidden, yet still in the filter key
        session.execute(text("UPDATE leader SET visibility = :v WHERE email_key = :e"),
                        {"v": '{"region": "staff", "expertise": "introduced", "email": "introduced", '
                              '"phone": "introduced"}', "e": KIM})
    command.upgrade(config, "head")
    with db.session(commit=False) as session:
        north_west = {hit.leader.full_name for hit in search(session, 'region:"north west"')}
        assert "Rosa Lee" in north_west and "Kim Chen" not in north_west
        finance = {hit.leader.full_name for hit in search(session, "tag:finance")}
        assert finance and "Kim Chen" not in finance
        housing = {hit.leader.full_name for hit in search(session, "housing")}
        assert "Pat Nurse" in housing and "Kim Chen" not in housing  # nor is her expertise free text
        assert "Kim Chen" in {hit.leader.full_name for hit in search(session, "kim chen")}
    with pytest.raises(DBAPIError, match="append-only"), db.session() as session:
        session.execute(text("INSERT INTO audit_event (at, actor, action, subject, details) "
                             "VALUES (CURRENT_TIMESTAMP, 'cli:x', 'staff.granted', '', '{}')"))
        session.execute(text("DELETE FROM audit_event"))


def test_showing_a_field_again_makes_it_searchable_again(db: Database) -> None:
    load_sample(db)
    with db.session() as session:
        kim = by_email(session, KIM)
        assert kim is not None
        region = kim.region
        update_own_profile(session, kim, {}, {"region": "staff"})
    query = f'region:"{region}"'
    with db.session(commit=False) as session:
        assert "Kim Chen" not in {hit.leader.full_name for hit in search(session, query)}
    with db.session() as session:
        kim = by_email(session, KIM)
        assert kim is not None
        update_own_profile(session, kim, {}, {"region": "everyone"})
    with db.session(commit=False) as session:
        assert "Kim Chen" in {hit.leader.full_name for hit in search(session, query)}
