"""A group's short rules, which moderation actions name, and its watched words, which
``app.groups.holding`` reads. Hosts edit both, a line per rule or word."""

from __future__ import annotations

from sqlalchemy import delete, select

from app.db import db
from app.groups.holding import watched_words

__all__ = ["rules_of", "set_rules", "set_watched_words", "watched_words"]
from app.groups.models import Group, GroupRule, WatchedWord
from app.groups.permissions import Access
from app.groups.services import Forbidden, GroupError

RULES_MAX = 20
RULE_MAX = 200
WORDS_MAX = 200
WORD_MAX = 50


def rules_of(group: Group) -> list[GroupRule]:
    return list(
        db.session.scalars(
            select(GroupRule).where(GroupRule.group_id == group.id).order_by(GroupRule.position)
        )
    )


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def set_rules(access: Access, text: str | None) -> list[GroupRule]:
    """Replace the group's rules with ``text``'s lines, in order (hosts only). Actions
    logged under an earlier rule keep its words (the log copies them)."""
    if not access.can_manage:
        raise Forbidden("Only the group's hosts can write its rules.")
    lines = _lines(text)
    if len(lines) > RULES_MAX:
        raise GroupError(f"Keep to {RULES_MAX} rules: short rules are read.", "rules")
    for line in lines:
        if len(line) > RULE_MAX:
            raise GroupError(f"Keep each rule to {RULE_MAX} characters.", "rules")
    db.session.execute(delete(GroupRule).where(GroupRule.group_id == access.group.id))
    for position, line in enumerate(lines, start=1):
        db.session.add(GroupRule(group_id=access.group.id, position=position, text=line))
    db.session.flush()
    return rules_of(access.group)


def set_watched_words(access: Access, block: str | None, hold: str | None) -> list[WatchedWord]:
    """Replace the group's watched words: those in ``block`` refuse a post, those in
    ``hold`` hold it for a moderator (hosts only)."""
    if not access.can_manage:
        raise Forbidden("Only the group's hosts can change its watched words.")
    wanted: dict[str, str] = {}
    for field, action, text in (("block", "block", block), ("hold", "hold", hold)):
        for line in _lines(text):
            word = " ".join(line.split()).casefold()
            if len(word) > WORD_MAX:
                raise GroupError(f"Keep each word or phrase to {WORD_MAX} characters.", field)
            if word in wanted and wanted[word] != action:
                raise GroupError(f"“{word}” is in both lists; choose one.", field)
            wanted[word] = action
    if len(wanted) > WORDS_MAX:
        raise GroupError(f"Keep to {WORDS_MAX} watched words.", "block")
    db.session.execute(delete(WatchedWord).where(WatchedWord.group_id == access.group.id))
    for word, action in wanted.items():
        db.session.add(WatchedWord(group_id=access.group.id, word=word, action=action))
    db.session.flush()
    return watched_words(access.group)
