"""Staff in chat: list, grant and revoke the staff role — the same rules as `leaders staff` on the CLI.

Private chats only: the list shows staff members' email addresses, which a Teams channel must not see.
"""

from __future__ import annotations

from bot.commands import Context, command
from bot.replies import Reply, Text
from directory import audit
from directory.staff import AlreadyStaff, StaffError, grant, members, revoke

USAGE = "staff list | staff add <email> | staff remove <email>"


@command("staff", "Manage the staff role (staff)", USAGE, staff_only=True, private_only=True,
         examples=("staff list", "staff add jane.doe@cabinetoffice.gov.uk"))
def staff(ctx: Context, args: str) -> Reply:
    verb, _, email = args.strip().partition(" ")
    verb, email = verb.lower(), email.strip()
    env = ctx.settings.staff_email_set
    actor = audit.leader_ref(ctx.leader.id)
    if verb in ("", "list"):
        entries = members(ctx.session, env)
        return Reply((Text(f"Staff ({len(entries)})", "heading"),
                      *(Text(f"{e.full_name} <{e.email}> — {e.source}") for e in entries)))
    if verb not in ("add", "remove") or not email:
        return Reply((Text(f"Usage: `{USAGE}`.", "error"),))
    try:
        leader = (grant if verb == "add" else revoke)(ctx.session, email, actor, env)
    except AlreadyStaff as already:
        return Reply((Text(f"{already.leader.full_name} <{already.leader.email}> already has the staff role; "
                           "nothing changed.", "heading"),))
    except StaffError as error:
        return Reply((Text(f"Nothing changed: {error}.", "error"),))
    done = "now has" if verb == "add" else "no longer has"
    return Reply((Text(f"{leader.full_name} <{leader.email}> {done} the staff role.", "heading"),))
