"""Nothing a person did is silently undone: an erased leader stays erased through re-imports (until staff
lift it, audited), a leader's own edits survive import and `demo-data`, self-edits are audited, and staff
can relink an account a leader removed. Through the real `leaders` CLI and the console bot."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from adapters.console.render import render
from directory.database import Database
from directory.models import AuditEvent, ChatAccount, ErasureSuppression, Leader
from tests.helpers import SAMPLE_CSV
from tests.test_data_rights import KIM, make_bot

KIM_EMAIL = "kim.chen@manchester.gov.uk"


def actions(db: Database, prefix: str) -> list[str]:
    with db.session(commit=False) as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like(f"{prefix}%"))
                                    .order_by(AuditEvent.id)))


def kim(db: Database) -> Leader | None:
    with db.session(commit=False) as session:
        leader = session.scalar(select(Leader).where(Leader.email_key == KIM_EMAIL))
        if leader is not None:
            session.expunge(leader)
        return leader


def kims_line() -> int:
    return next(n for n, line in enumerate(SAMPLE_CSV.read_text().splitlines(), 1) if KIM_EMAIL in line)


def test_an_erased_leader_is_not_brought_back_by_the_usual_import(db: Database, leaders) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot(db)
    bot.handle_text(KIM, "forget me confirm")
    assert leaders("erase", KIM_EMAIL, "--yes").returncode == 0
    with db.session(commit=False) as session:
        [entry] = session.scalars(select(ErasureSuppression))
        assert KIM_EMAIL not in entry.email_hash and len(entry.email_hash) == 64  # a keyed hash, nothing else
        assert entry.reason == "their request"
    again = leaders("import", str(SAMPLE_CSV))
    assert again.returncode == 0, again.stderr
    assert re.search(rf"^line {kims_line()}: erased on \d+ \w{{3}} at their request — skipped$", again.stdout,
                     re.M), again.stdout
    assert "1 skipped (erased)" in again.stdout and kim(db) is None
    # She rejoins: staff lift the entry (audited), and the next import adds her.
    lifted = leaders("erase", "--lift", KIM_EMAIL.upper())
    assert lifted.returncode == 0 and "off the suppression list" in lifted.stdout
    assert leaders("erase", "--lift", KIM_EMAIL).returncode == 1  # not on it any more: said, not silent
    assert "skipped" not in leaders("import", str(SAMPLE_CSV)).stdout and kim(db) is not None
    assert "data.suppression_lifted" in actions(db, "data.")


def test_an_erasure_staff_decided_says_so_on_import(db: Database, leaders) -> None:  # type: ignore[no-untyped-def]
    make_bot(db)
    leaders("erase", KIM_EMAIL, "--yes")
    out = leaders("import", "--dry-run", str(SAMPLE_CSV)).stdout
    assert f"line {kims_line()}: erased on" in out and "by staff decision — skipped" in out


def test_a_leaders_own_edit_survives_the_master_csv_and_is_audited(db: Database, leaders) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot(db)
    assert "Your profile is updated" in render(bot.handle_text(KIM, "me set role Chief Executive"))
    render(bot.handle_text(KIM, "me show phone everyone"))
    with db.session(commit=False) as session:
        details = [e.details for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "profile.self_edited").order_by(AuditEvent.id))]
    assert details == [{"fields": ["role"]}, {"fields": ["visibility.phone"]}]  # names only, no values

    kept = leaders("import", str(SAMPLE_CSV))
    assert kept.returncode == 0
    assert (f"line {kims_line()}: {KIM_EMAIL}: kept their own edit of role (the file differs; "
            "--overwrite-self-edits replaces it)") in kept.stdout
    assert "with their own edits kept" in kept.stdout
    leader = kim(db)
    assert leader is not None and leader.role == "Chief Executive" and leader.self_edited == ["role"]

    replaced = leaders("import", "--overwrite-self-edits", str(SAMPLE_CSV))
    assert f"line {kims_line()}: {KIM_EMAIL}: replaced their own edit of role" in replaced.stdout
    leader = kim(db)
    assert leader is not None and leader.role != "Chief Executive" and leader.self_edited == []
    assert "import.self_edits_overwritten" in actions(db, "import.")
    assert "kept their own edit" not in leaders("import", str(SAMPLE_CSV)).stdout  # the staff's again


def test_demo_data_refuses_a_real_directory_unless_forced(db: Database, leaders) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot(db)
    render(bot.handle_text(KIM, "me set role Chief Executive"))
    with db.session(commit=False) as session:
        before = session.scalar(select(func.count()).select_from(Leader))
    refused = leaders("demo-data", "--count", "5")
    assert refused.returncode == 1
    assert f"the database holds {before} leaders who are not demo data" in refused.stderr
    assert "--force" in refused.stderr
    with db.session(commit=False) as session:
        assert session.scalar(select(func.count()).select_from(Leader)) == before
    forced = leaders("demo-data", "--count", "5", "--force")
    assert forced.returncode == 0, forced.stderr
    leader = kim(db)
    assert leader is not None and leader.role == "Chief Executive"


def test_demo_data_loads_again_into_a_demo_only_directory(database_url: str, leaders, tmp_path: Path,
                                                          db: Database) -> None:  # type: ignore[no-untyped-def]
    assert leaders("demo-data", "--count", "5").returncode == 0
    again = leaders("demo-data", "--count", "8")
    assert again.returncode == 0, again.stderr
    with db.session(commit=False) as session:
        assert set(session.scalars(select(Leader.verified_by))) == {"demo data"}
        assert session.scalar(select(func.count()).select_from(Leader)) == 8


def test_staff_relink_an_account_a_leader_removed(db: Database, leaders) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot(db)
    render(bot.handle_text(KIM, "accounts"))
    assert "Removed." in render(bot.handle_text(KIM, "accounts remove 1 confirm"))
    listed = leaders("accounts", "relink", KIM_EMAIL)
    assert listed.returncode == 0 and "Microsoft Teams account in tenant-1" in listed.stdout
    with db.session(commit=False) as session:
        account_id = session.scalar(select(ChatAccount.id).where(ChatAccount.user_id == "aad-kim"))
    assert leaders("accounts", "relink", "sean.obrien@scotland.police.uk", "--account",
                   str(account_id)).returncode == 1  # not Seán's link: refused
    done = leaders("accounts", "relink", KIM_EMAIL, "--account", str(account_id))
    assert done.returncode == 0 and "acts as kim.chen@manchester.gov.uk again" in done.stdout
    assert "Director of Finance" in render(bot.handle_text(KIM, "find finance"))  # acting as her again
    with db.session(commit=False) as session:
        relinked = session.scalar(select(AuditEvent).where(AuditEvent.action == "account.linked")
                                  .order_by(AuditEvent.id.desc()))
        assert relinked is not None and relinked.actor.startswith("cli:")
        assert relinked.details["via"] == "staff relink"
