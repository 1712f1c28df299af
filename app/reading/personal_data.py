"""What read positions keep about people, what of it is exported, and what deletion does."""

from __future__ import annotations

from collections.abc import Iterator

from app.exports.archive import ExportContext, json_document, render_stream
from app.personal_data import Deletion, Feature, Section, Table, register
from app.reading import services


def write_positions(ctx: ExportContext) -> Iterator[str]:
    return json_document(
        "reading.json",
        {},
        {"read_positions": services.positions_for_export(ctx.account, ctx.links)},
    )


def positions_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream(
        "exports/offline/reading.html",
        positions=services.positions_for_export(ctx.account, ctx.links),
    )


register(
    Feature(
        name="reading",
        tables=(
            Table(
                "read_positions",
                title="How far you have read",
                holds="For each thread you opened, the last post you have read in it and "
                "when that changed.",
                why="So your home can show what is new since you last read, and a long "
                "thread can open at the first post you have not read. Nobody else ever "
                "sees it: there are no “seen” receipts.",
                kept="Until the thread or your account is deleted.",
                export="reading.json",
                on_delete="Removed.",
                references={"account_id": Deletion.REMOVED},
            ),
        ),
        sections=(
            Section(
                "reading.json",
                "How far you have read",
                "Each thread you opened, with a link to the last post you read in it.",
                write_positions,
                positions_html,
            ),
        ),
    )
)
