"""Who sees which field: defaults, own profile, staff, and settings that fail closed."""

from __future__ import annotations

from bot.cards import profile_card, summary_card
from directory.models import Leader
from directory.privacy import DEFAULT_VISIBILITY, Viewer, may_see, visible_fields


def leader(**visibility: str) -> Leader:
    return Leader(id=1, email="a@x.gov.uk", full_name="Áine Ní Bhriain", role="Chief Executive",
                  organisation="Belfast City Council", sector="local-government", region="Northern Ireland",
                  expertise="finance;audit", bio="Bio.", phone="+44 7700 900101", cohort="2024 Spring",
                  visibility={**DEFAULT_VISIBILITY, **visibility}, verified=True, verified_by="staff import")


def test_defaults_hide_contact_details_from_other_leaders() -> None:
    shown = visible_fields(Viewer(2), leader())
    assert "email" not in shown and "phone" not in shown
    assert shown["role"] == "Chief Executive" and shown["full_name"] == "Áine Ní Bhriain"


def test_introduced_leaders_and_self_and_staff_see_contact_details() -> None:
    assert visible_fields(Viewer(2), leader(), introduced=True)["email"] == "a@x.gov.uk"
    assert visible_fields(Viewer(1), leader())["phone"] == "+44 7700 900101"
    assert visible_fields(Viewer(3, is_staff=True), leader(bio="staff"))["bio"] == "Bio."


def test_staff_only_fields_and_unreadable_settings_fail_closed() -> None:
    target = leader(bio="staff", role="nonsense-level")
    assert not may_see(Viewer(2), target, "bio", introduced=True)
    assert not may_see(Viewer(2), target, "role")


def test_cards_are_built_only_from_visible_fields() -> None:
    target = leader(organisation="staff", expertise="introduced", region="staff", sector="staff")
    card = summary_card(Viewer(2), target)
    assert card.headline == "Chief Executive" and card.fields == ()
    text = profile_card(Viewer(2), target).plain()
    for hidden in ("Belfast", "finance", "Northern Ireland", "a@x.gov.uk", "+44"):
        assert hidden not in text
