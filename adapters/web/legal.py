"""The text of `/privacy` and `/terms`: the privacy notice and terms of use the Teams manifest links to.

adapters/web/home.py shows them in the website's layout.

The notice covers what UK GDPR (Articles 13 and 14) asks a controller to tell people: who holds the data
and how to reach them, what is held and why, who sees it, what a leader can do about it, how long it is
kept, and how to complain (to the operator, then the Information Commissioner's Office). The operator's
details come from configuration (LEADERS_OPERATOR_NAME, _ADDRESS, _CONTACT, LEADERS_DPO_CONTACT); until
they are set the pages say so rather than invent them. Everything is escaped: configuration is text.
"""

from __future__ import annotations

from directory.settings import Settings

NOT_SET = "(not published yet — ask the Leaders Connect team that invited you)"


def _operator(settings: Settings) -> list[str]:
    lines = [f"{settings.operator_name or 'The operator of this service'} is the controller of your data."
             + ("" if settings.operator_name else f" {NOT_SET}")]
    if settings.operator_address:
        lines.append(f"Address: {settings.operator_address}")
    lines.append(f"Contact for anything about your data: {settings.operator_contact or NOT_SET}")
    if settings.dpo_contact:
        lines.append(f"Data protection officer: {settings.dpo_contact}")
    return lines


def privacy_sections(settings: Settings) -> list[tuple[str, list[str]]]:
    support = settings.support_contact or settings.operator_contact or NOT_SET
    return [
        ("Who holds your data", _operator(settings)),
        ("What we hold", [
            "Your directory profile: name, email, role, organisation, sector, region, expertise, a short "
            "bio, phone and cohort, as your organisation or the central team provided them and as you "
            "edit them yourself.",
            "The chat accounts linked to your profile (Slack or Microsoft Teams ids), the conversation "
            "details the bot needs to message you, whether you have the staff role, how many profiles you "
            "were shown each day (to stop scraping), messages queued or sent to you, and an audit log of "
            "actions on your data (who disclosed your contact details, exports, links, erasure)."]),
        ("Why, and on what basis", [
            "To run a verified directory that lets senior public-sector leaders find and contact each "
            "other from the chat tool their organisation already uses. The lawful basis is the performance "
            "of a task carried out in the public interest (UK GDPR Article 6(1)(e)). We do not sell your "
            "data, use it for marketing, or make automated decisions about you."]),
        ("Who sees it", [
            "Verified leaders see the fields you show to everyone; email and phone are shown only to people "
            "you were introduced to unless you choose otherwise; the central team sees everything, and "
            "every disclosure of contact details to them is written to the audit log. Slack or Microsoft "
            "carry the messages as the chat platforms you use."]),
        ("What you can do", [
            "See everything held about you: type `mydata` to the bot for a one-time download.",
            "Correct your profile and choose who sees each field: type `me`.",
            "Remove a chat account linked to you: type `accounts`.",
            "Have your data erased: type `forget me` (you can withdraw the request until the team acts; "
            "it is done within one month and you are told when it is).",
            f"Object to or ask us to restrict processing, or anything else: {support}."]),
        ("How long we keep it", [
            "Your profile is kept while you are in the directory. When it is erased, your profile, linked "
            "accounts, conversations and messages are deleted; the audit log keeps a line that an erasure "
            "happened, without your details; and a keyed hash of your email (no other data) is kept so "
            "that a later import does not add you back. One-time links expire after ten minutes."]),
        ("How to complain", [
            f"Tell us first: {settings.operator_contact or NOT_SET}.",
            "You can also complain to the Information Commissioner's Office: ico.org.uk/make-a-complaint, "
            "or 0303 123 1113."]),
    ]


def terms_sections(settings: Settings) -> list[tuple[str, list[str]]]:
    return [
        ("Who runs it", _operator(settings)),
        ("Who may use it", [
            "Leaders Connect is for verified senior leaders of UK public-sector organisations and the "
            "central team that keeps the directory. Your access comes from your organisation's chat tool "
            "and ends when you leave the directory."]),
        ("Using the directory fairly", [
            "Use what you see to contact other leaders about your work. Do not copy the directory in bulk, "
            "use it for marketing or recruitment campaigns, or pass contact details to anyone else. A "
            "daily limit on profiles shown guards against scraping, and disclosures are audited.",
            "Keep your own profile accurate; you can change it at any time with `me`."]),
        ("The service", [
            "The service is provided as it is, to help leaders connect; it may change, and may be "
            "unavailable at times. How your data is handled is set out in the privacy notice at /privacy."]),
        ("Questions", [f"Contact: {settings.operator_contact or settings.support_contact or NOT_SET}."]),
    ]

