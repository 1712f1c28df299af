"""What blocks keep about people, what of it is exported, and what deletion does."""

from __future__ import annotations

from collections.abc import Iterator

from app.accounts.models import Account
from app.blocks import services
from app.exports.archive import ExportContext, json_document, render_stream
from app.personal_data import Deletion, Feature, Section, Table, register


def write_blocks(ctx: ExportContext) -> Iterator[str]:
    return json_document("blocks.json", {}, {"blocks": services.blocks_for_export(ctx.account)})


def blocks_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream(
        "exports/offline/blocks.html", blocks=services.blocks_for_export(ctx.account)
    )


def _erase(account: Account, keep_posts: bool) -> None:
    services.erase_for_deletion(account)


register(
    Feature(
        name="blocks",
        tables=(
            Table(
                "blocks",
                title="Accounts you blocked",
                holds="Which accounts you blocked, and when.",
                why="So they cannot message or mention you, and their posts stay folded "
                "away for you. Blocking is silent: the blocked account is never told.",
                kept="Until you unblock them or either account is deleted.",
                export="blocks.json",
                on_delete="Removed: the blocks you made, and any made against you.",
                references={"blocker_id": Deletion.REMOVED, "blocked_id": Deletion.REMOVED},
            ),
        ),
        sections=(
            Section(
                "blocks.json",
                "Blocks",
                "The accounts you blocked, by handle, and when. Blocks others made against "
                "you are not in it: blocking is silent.",
                write_blocks,
                blocks_html,
            ),
        ),
        on_account_deleted=_erase,
    )
)
