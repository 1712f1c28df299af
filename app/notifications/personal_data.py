"""What notifications keep about people, what of it is exported, and what deletion does."""

from __future__ import annotations

from collections.abc import Iterator

from app.accounts.models import Account
from app.exports.archive import ExportContext, json_document, render_stream
from app.notifications import services
from app.personal_data import Deletion, Feature, Section, Table, register


def write_notifications(ctx: ExportContext) -> Iterator[str]:
    return json_document(
        "notifications.json",
        {"email_preferences": services.preferences_for_export(ctx.account)},
        {
            "notifications": services.notifications_for_export(ctx.account),
            "watched_threads": services.watches_for_export(ctx.account),
        },
    )


def notifications_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream(
        "exports/offline/notifications.html",
        preferences=services.preferences_for_export(ctx.account),
        notifications=services.notifications_for_export(ctx.account),
        watches=services.watches_for_export(ctx.account),
    )


def _erase(account: Account, keep_posts: bool) -> None:
    services.erase_for_deletion(account)


register(
    Feature(
        name="notifications",
        tables=(
            Table(
                "notifications",
                title="Notifications",
                holds="What Kindred told you about (a reply, a mention, a message, a request "
                "to decide, a membership event): its kind, its sentence, its link, who "
                "caused it, when, and when you read it.",
                why="To show you what happened that concerns you, and mail it if you asked.",
                kept="Until you delete your account.",
                export="notifications.json",
                on_delete="What you received is removed; in what you caused others, you "
                "become “a deleted member”.",
                references={"recipient_id": Deletion.REMOVED, "actor_id": Deletion.UNLINKED},
            ),
            Table(
                "notification_preferences",
                title="How you are told",
                holds="For each kind of notification, whether it is mailed at once, in a "
                "daily digest or never.",
                why="To mail you only what you chose.",
                kept="Until you change it or delete your account.",
                export="notifications.json",
                on_delete="Removed.",
                references={"account_id": Deletion.REMOVED},
            ),
            Table(
                "thread_watches",
                title="Threads you watch or muted",
                holds="Which threads you watch (you hear of replies) or muted.",
                why="To tell you of replies in the threads you care about, and only those.",
                kept="Until you change it or delete your account.",
                export="notifications.json",
                on_delete="Removed.",
                references={"account_id": Deletion.REMOVED},
            ),
            Table(
                "notification_digests",
                title="Daily digests sent",
                holds="That a day's digest was mailed to you.",
                why="So that a digest goes out once a day, however often the job runs.",
                kept="Until you delete your account.",
                excluded="Only a record that a day's digest was mailed; the notifications it "
                "carried are in notifications.json.",
                on_delete="Removed.",
                references={"account_id": Deletion.REMOVED},
            ),
        ),
        sections=(
            Section(
                "notifications.json",
                "Notifications",
                "Every notification you received (kind, sentence, link, when, when read), "
                "how each kind is mailed to you, and the threads you watch or muted.",
                write_notifications,
                notifications_html,
            ),
        ),
        on_account_deleted=_erase,
    )
)
