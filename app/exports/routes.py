from __future__ import annotations

from flask import Response, abort, render_template, stream_with_context
from flask_login import current_user, login_required

from app.exports import archive, bp, forms, services
from app.groups.permissions import get_group_or_404


def _download(chunks, name: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _too_many(error: services.ExportLimitReached):
    page = render_template("exports/too_many.html", error=error)
    return page, 429, {"Retry-After": str(error.retry_after)}


@bp.post("/settings/export")
@login_required
def download_data():
    """The member's whole archive, streamed as it is written."""
    if not forms.ExportForm().validate_on_submit():
        abort(400)
    account = current_user._get_current_object()
    try:
        record = services.start_export(account)
    except services.ExportLimitReached as error:
        return _too_many(error)
    name = f"kindred-{account.handle}-{record.created_at:%Y-%m-%d}.zip"
    return _download(archive.account_archive(account), name)


@bp.post("/settings/export/groups/<slug>")
@login_required
def download_group_archive(slug: str):
    """A group's whole history, for its hosts."""
    group = get_group_or_404(slug, current_user._get_current_object()).group
    if not forms.ExportForm().validate_on_submit():
        abort(400)
    try:
        record = services.start_group_archive(current_user, group)
    except services.ExportLimitReached as error:
        return _too_many(error)
    except services.ExportError as error:
        abort(403, error.message)
    name = f"kindred-group-{group.slug}-{record.created_at:%Y-%m-%d}.zip"
    return _download(archive.group_archive(group), name)
