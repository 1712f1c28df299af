"""Telling the person a moderation action fell on what was done, under which rule, and
how to appeal: a notification on their home, mailed through the outbox as its kind
(``moderation``, at once by default) says. The notice names the group, never the
moderator."""

from __future__ import annotations

from app.accounts.models import Account
from app.groups.models import Group, ModerationLogEntry
from app.notifications.events import path
from app.notifications.services import notify

WHAT = {
    "hid": "hid your post",
    "declined": "declined your post",
    "locked": "locked your thread",
    "removed": "removed you from the group",
    "banned": "banned you from the group",
}


def _where(entry: ModerationLogEntry) -> str:
    if entry.thread is not None and entry.target_kind in {"post", "thread"}:
        return f" in “{entry.thread.title}”"
    return ""


def why(entry: ModerationLogEntry) -> str:
    """The rule applied and the reason, as one phrase for notices and logs."""
    parts = []
    if entry.rule:
        parts.append(f"the rule “{entry.rule}”")
    if entry.reason:
        parts.append(entry.reason)
    return "; ".join(parts)


def tell_affected(group: Group, entry: ModerationLogEntry, person: Account | None) -> None:
    """Notify ``person`` (None: nobody, e.g. a deleted account) of ``entry``, with a link
    to appeal it."""
    if person is None or person.id == entry.actor_id:
        return
    reason = why(entry)
    notify(
        person,
        "moderation",
        link=path("groups.appeal", entry_id=entry.id),
        subject=(
            f"The moderators of {group.name} {WHAT.get(entry.action, entry.action)}"
            f"{_where(entry)}" + (f" under {reason}" if reason else "") + ". You can appeal "
            "once; someone other than who acted decides."
        ),
        target=f"moderation:{entry.id}",
    )


def tell_outcome(
    group: Group, entry: ModerationLogEntry, person: Account, upheld: bool, decision: str
) -> None:
    """Notify the appellant of the decision on their appeal, and why."""
    outcome = "the action stands" if upheld else "the action is undone"
    notify(
        person,
        "moderation",
        link=path("groups.appeal", entry_id=entry.id),
        subject=f"Your appeal in {group.name} was decided: {outcome}. {decision}",
        target=f"appeal:{entry.id}",
    )
