"""What exports keep about people (when each download was made), and what deletion does."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from app.exports.archive import ExportContext, json_document, render_stream, stream_rows
from app.exports.models import DataExport
from app.groups.models import Group
from app.personal_data import Deletion, Feature, Section, Table, register


def _exports(ctx: ExportContext) -> Iterator[dict]:
    query = (
        select(DataExport.created_at, DataExport.kind, Group.slug, Group.name)
        .outerjoin(Group, Group.id == DataExport.group_id)
        .where(DataExport.account_id == ctx.account.id)
        .order_by(DataExport.created_at, DataExport.id)
    )
    for row in stream_rows(query):
        group = {"slug": row.slug, "name": row.name} if row.slug else None
        yield {"created_at": row.created_at, "kind": row.kind, "group": group}


def write_exports(ctx: ExportContext) -> Iterator[str]:
    return json_document("exports.json", {}, {"exports": _exports(ctx)})


def exports_html(ctx: ExportContext) -> Iterator[str]:
    return render_stream("exports/offline/exports.html", exports=_exports(ctx))


register(
    Feature(
        name="exports",
        tables=(
            Table(
                "data_exports",
                title="Your downloads",
                holds="When you downloaded your data or a group's archive (the time, and "
                "which group), and nothing else: not what was in it, not from where.",
                why="To show you your downloads, and to limit them to a few a day so one "
                "account cannot tie up the server.",
                kept="Until you delete your account.",
                export="exports.json",
                on_delete="Removed.",
                references={"account_id": Deletion.REMOVED},
            ),
        ),
        sections=(
            Section(
                "exports.json",
                "Downloads",
                "Every download of your data or of a group's archive you made, this one "
                "included: when, and of which group.",
                write_exports,
                exports_html,
            ),
        ),
    )
)
