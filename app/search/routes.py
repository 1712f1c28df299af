from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from app.accounts.models import Account
from app.forms import refuse
from app.groups.permissions import Access, get_group_or_404
from app.search import bp, forms, services
from app.search.query import SearchError


def _viewer() -> Account | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _scope(slug: str | None, viewer: Account | None) -> Access | None:
    """The group to search in, if one is named: a group the viewer can't read is not
    found (or asks a signed-out reader to log in), as on its own pages."""
    if not slug:
        return None
    access = get_group_or_404(slug, viewer)
    if not access.can_read:
        if viewer is None:
            abort(current_app.login_manager.unauthorized())
        abort(404)
    return access


@bp.get("")
def search_posts():
    viewer = _viewer()
    form = forms.SearchForm(formdata=request.args)
    access = _scope(request.args.get("group"), viewer)
    if access is not None:
        form.group.choices = [(access.group.slug, f"In {access.group.name}"), forms.EVERYWHERE]
    found = None
    if "q" in request.args and form.validate():
        try:
            found = services.search_posts(
                viewer,
                form.q.data,
                group=access.group if access and form.group.data else None,
                order=form.order.data,
                cursor=request.args.get("before"),
            )
        except SearchError as error:
            refuse(error, form)
    return render_template(
        "search/search.html", form=form, access=access, found=found
    ), 400 if form.errors else 200
