"""What direct messages keep about people, what of it is exported, and what deletion does."""

from __future__ import annotations

from collections.abc import Iterator

from app.accounts.models import Account
from app.exports.archive import ExportContext, json_document, render_stream
from app.messages import services
from app.personal_data import Deletion, Feature, Section, Table, register


def write_messages(ctx: ExportContext) -> Iterator[str]:
    return json_document(
        "messages.json",
        {"settings": services.settings_for_export(ctx.account)},
        {"messages": services.messages_for_export(ctx.account)},
    )


def messages_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream(
        "exports/offline/messages.html", messages=services.messages_for_export(ctx.account)
    )


def _erase(account: Account, keep_posts: bool) -> None:
    # Messages are one's own side of a private conversation: erased whatever one chose
    # for posts, which are public to their group.
    services.erase_for_deletion(account)


register(
    Feature(
        name="messages",
        tables=(
            Table(
                "conversations",
                title="Your conversations",
                holds="Who each of your one-to-one conversations is with, who started it and when.",
                why="To show you and the other person your conversation, and nobody else.",
                kept="Until both of you have deleted your accounts.",
                export="messages.json",
                on_delete="Your side of it becomes “a deleted member”; a conversation whose "
                "other side is gone already is deleted whole.",
                references={
                    "first_id": Deletion.UNLINKED,
                    "second_id": Deletion.UNLINKED,
                    "started_by_id": Deletion.UNLINKED,
                },
            ),
            Table(
                "messages",
                title="Direct messages",
                holds="Each message of your conversations: who wrote it, when, its text "
                "(Markdown and the HTML made from it), and whether site admins removed it "
                "after a report.",
                why="So the two of you can read your conversation, in order.",
                kept="Until its author deletes their account (its text goes then), or site "
                "admins remove it after a report.",
                export="messages.json",
                on_delete="The text of every message you wrote is removed; the other person "
                "sees that it was removed when its author deleted their account. The "
                "messages they wrote to you stay theirs.",
                references={"author_id": Deletion.UNLINKED},
            ),
            Table(
                "message_settings",
                title="Who may message you",
                holds="Whether any member may start a conversation with you, or only people "
                "you share a group with.",
                why="To respect that choice.",
                kept="Until you change it or delete your account.",
                export="messages.json",
                on_delete="Removed.",
                references={"account_id": Deletion.REMOVED},
            ),
        ),
        sections=(
            Section(
                "messages.json",
                "Direct messages",
                "Every message of your conversations, in the order written: yours with their "
                "text, the other person's as you received them (without the text of messages "
                "site admins removed or that went with their author's account), and who may "
                "start a conversation with you. The other person appears by handle.",
                write_messages,
                messages_html,
            ),
        ),
        on_account_deleted=_erase,
    )
)
