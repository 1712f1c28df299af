from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.accounts.models import Account
from app.caching import not_modified, shared_cacheable
from app.forms import refuse
from app.groups import appeals, bp, forms, log, moderation, rules, services
from app.groups.models import Post, Thread
from app.groups.permissions import Access, get_group_or_404
from app.input import id_arg
from app.memberships.services import write_refusal
from app.reading import services as reading


def _viewer() -> Account | None:
    return current_user._get_current_object() if current_user.is_authenticated else None


def _load(slug: str, need: str = "read", thread_id: int | None = None) -> Access:
    """The viewer's access to a group, or the right refusal: log in, 404 or 403. With
    ``thread_id``, that thread is read with the group (``_thread`` then needs no query)."""
    access = get_group_or_404(slug, _viewer(), thread_id)
    if not access.can_read:
        if access.account is None:
            abort(current_app.login_manager.unauthorized())
        if need != "see":
            abort(404)
    if need == "moderate" and not access.can_moderate:
        abort(403, "Only the group's hosts and moderators can do this.")
    if need == "manage" and not access.can_manage:
        abort(403, "Only the group's hosts can do this.")
    return access


def _thread(access: Access, thread_id: int) -> Thread:
    thread = services.get_thread_or_404(access, thread_id)
    if thread is None:
        abort(404)
    return thread


def _post(access: Access, post_id: int) -> Post:
    post = services.get_post(access, post_id)
    if post is None:
        abort(404)
    return post


def _back(access: Access, endpoint: str = "groups.show_group", **values):
    return redirect(url_for(endpoint, slug=access.group.slug, **values), code=303)


# Directory and my groups -------------------------------------------------------


@bp.get("")
def directory():
    order = "az" if request.args.get("order") == "az" else "new"
    search = request.args.get("q", "")[:100]
    cursor = request.args.get("before")
    if shared_cacheable():  # the ETag from plain rows, as the thread page's
        shown = services.directory_shown(_viewer(), search, order, cursor)
        if unchanged := not_modified(shown):
            return unchanged
    page = services.directory(_viewer(), search, order, cursor)
    return render_template("groups/directory.html", page=page, order=order, search=search)


@bp.get("/mine")
@login_required
def my_groups():
    page = services.my_threads(current_user, request.args.get("before"))
    invitations = services.invitations_for(current_user)
    return render_template("groups/my_groups.html", page=page, invitations=invitations)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create_group():
    form = forms.CreateGroupForm()
    if form.validate_on_submit():
        try:
            group = services.create_group(
                current_user,
                form.name.data,
                form.slug.data,
                form.purpose.data,
                form.description.data,
                form.visibility.data,
                form.join_policy.data,
            )
        except services.GroupError as error:
            refuse(error, form)
        else:
            flash("Your group is ready. Start its first thread or invite people.", "success")
            return redirect(url_for("groups.show_group", slug=group.slug), code=303)
    return render_template(
        "groups/create_group.html", form=form, refusal=write_refusal(current_user)
    ), 400 if form.errors else 200


# A group -----------------------------------------------------------------------


@bp.get("/<slug>")
def show_group(slug: str):
    access = _load(slug, need="see")
    if not access.can_read:
        return render_template("groups/invitation.html", access=access)
    cursor = request.args.get("before")
    if shared_cacheable():  # the ETag from plain rows, as the thread page's
        shown = services.threads_page_shown(access, cursor)
        if unchanged := not_modified(access.group, shown):
            return unchanged
    page = services.threads_page(access, cursor)
    unanswered = services.unanswered_count(access) if access.can_moderate else None
    held = moderation.held_count(access) if access.can_moderate else None
    # Forms (and the CSRF token, and so a cookie) only for those who can send them.
    can_request = access.can_request
    return render_template(
        "groups/group.html",
        access=access,
        page=page,
        unanswered=unanswered,
        held=held,
        form=forms.ActionForm() if access.signed_in else None,
        request_form=forms.JoinRequestForm(formdata=None) if can_request else None,
        pending=services.pending_request(access.group, access.account) if can_request else None,
    )


@bp.get("/<slug>/unanswered")
def unanswered(slug: str):
    access = _load(slug)
    page = services.unanswered_page(access, request.args.get("after"))
    if unchanged := not_modified(access.group, page.items, page.next_cursor):
        return unchanged
    return render_template("groups/unanswered.html", access=access, page=page)


@bp.route("/<slug>/settings", methods=["GET", "POST"])
@login_required
def edit_group(slug: str):
    access = _load(slug, need="manage")
    form = forms.EditGroupForm(obj=access.group)
    if form.validate_on_submit():
        try:
            services.update_group(
                access,
                form.name.data,
                form.purpose.data,
                form.description.data,
                form.visibility.data,
                form.join_policy.data,
                hold_first_posts=form.hold_first_posts.data,
                log_names_moderators=form.log_names_moderators.data,
            )
        except services.GroupError as error:
            refuse(error, form)
        else:
            flash("The group's settings are saved.", "success")
            return _back(access)
    return render_template(
        "groups/edit_group.html", access=access, form=form
    ), 400 if form.errors else 200


@bp.post("/<slug>/join")
@login_required
def join_group(slug: str):
    access = _load(slug)
    try:
        services.join_group(access)
    except services.GroupError as error:
        refuse(error)
    else:
        flash(f"Welcome to {access.group.name}.", "success")
    return _back(access)


@bp.post("/<slug>/request")
@login_required
def request_to_join(slug: str):
    access = _load(slug)
    form = forms.JoinRequestForm()
    if not form.validate_on_submit():
        flash("Keep your note to 1000 characters.", "error")
        return _back(access)
    try:
        services.request_to_join(access, form.message.data)
    except services.GroupError as error:
        refuse(error)
    else:
        flash("Your request is sent. The hosts will answer it.", "success")
    return _back(access)


@bp.post("/<slug>/leave")
@login_required
def leave_group(slug: str):
    access = _load(slug)
    try:
        services.leave_group(access)
    except services.GroupError as error:
        refuse(error)
        return _back(access)
    flash(f"You left {access.group.name}. Your posts stay unless you delete them.", "info")
    if access.group.visibility == "private":
        return redirect(url_for("groups.my_groups"), code=303)
    return _back(access)


@bp.post("/<slug>/invitation/<answer>")
@login_required
def answer_invitation(slug: str, answer: str):
    if answer not in {"accept", "decline"}:
        abort(404)
    access = _load(slug, need="see")
    try:
        services.answer_invitation(access, accept=answer == "accept")
    except services.GroupError as error:
        refuse(error)
        return redirect(url_for("groups.my_groups"), code=303)
    if answer == "accept":
        flash(f"Welcome to {access.group.name}.", "success")
        return _back(access)
    flash("Invitation declined.", "info")
    return redirect(url_for("groups.my_groups"), code=303)


# Members, roles, invitations, requests -----------------------------------------


def _members_page(access: Access, status: int = 200, **page_forms):
    if access.member is None and not access.is_admin:
        abort(403, "Only the group's members can see who is in it.")
    values = {"invite_form": forms.InviteForm(formdata=None), **page_forms}
    return render_template(
        "groups/members.html",
        access=access,
        page=services.members_page(access.group, request.args.get("after")),
        requests=services.pending_requests(access.group) if access.can_manage else [],
        bans=moderation.bans(access) if access.can_moderate else [],
        role_form=forms.RoleForm(formdata=None),
        **values,
    ), status


@bp.get("/<slug>/members")
@login_required
def members(slug: str):
    return _members_page(_load(slug))


@bp.post("/<slug>/invitations")
@login_required
def invite_member(slug: str):
    access = _load(slug, need="manage")
    form = forms.InviteForm()
    if form.validate_on_submit():
        try:
            invitation = services.invite(access, form.handle.data)
        except services.GroupError as error:
            refuse(error, form)
        else:
            flash(f"@{invitation.account.handle} is invited.", "success")
            return _back(access, "groups.members")
    return _members_page(access, 400, invite_form=form)


@bp.post("/<slug>/requests/<int:request_id>")
@login_required
def decide_request(slug: str, request_id: int):
    access = _load(slug, need="manage")
    form = forms.DecideRequestForm()
    if form.validate_on_submit() and form.decision.data in {"approve", "decline"}:
        try:
            join_request = services.decide_request(
                access, request_id, form.decision.data == "approve", form.response.data
            )
        except services.GroupError as error:
            refuse(error)
        else:
            flash(f"Request from @{join_request.account.handle}: {join_request.status}.", "info")
    else:
        flash("Choose approve or decline, with a message of up to 1000 characters.", "error")
    return _back(access, "groups.members")


@bp.post("/<slug>/members/<handle>/role")
@login_required
def change_role(slug: str, handle: str):
    access = _load(slug, need="manage")
    form = forms.RoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(access, handle, form.role.data)
        except services.GroupError as error:
            refuse(error)
        else:
            flash(f"@{handle} is now {form.role.data}.", "success")
    else:
        flash("Choose member, moderator or host.", "error")
    return _back(access, "groups.members")


# Threads and posts -------------------------------------------------------------


@bp.route("/<slug>/threads/new", methods=["GET", "POST"])
@login_required
def create_thread(slug: str):
    access = _load(slug)
    if not access.can_post:
        abort(403, "Only members of this group who are Kindred members can start threads.")
    form = forms.ThreadForm()
    if form.validate_on_submit():
        try:
            thread = services.start_thread(access, form.title.data, form.body.data)
        except services.GroupError as error:
            refuse(error, form)
        else:
            _tell_if_held(access, thread.held_at)
            opener = reading.latest_post(thread)  # None while it waits for a moderator
            if opener is not None:
                reading.mark_read(current_user, opener)
            return _back(access, "groups.show_thread", thread_id=thread.id)
    return render_template(
        "groups/create_thread.html", access=access, form=form
    ), 400 if form.errors else 200


def _tell_if_held(access: Access, held_at) -> None:
    if held_at is not None:
        flash(
            f"Your post is waiting for a moderator of {access.group.name}. Nobody else sees "
            "it until they approve it.",
            "info",
        )


def _thread_page(access: Access, thread: Thread, form: forms.ReplyForm | None, status: int = 200):
    cursor = request.args.get("after")
    # For a reader a shared cache may serve, the ETag is made of plain rows: the posts
    # themselves are loaded only when the page has to be rendered.
    if status == 200 and shared_cacheable():
        shown = services.posts_page_shown(thread, cursor, access)
        if unchanged := not_modified(access.group, thread, shown):
            return unchanged
    page = services.posts_page(thread, cursor, access)
    # Where the reader left off, found before this page moves their place forward.
    position = reading.position_for(access.account, thread)
    unread = reading.unread_from(position, thread) if reading.has_unread(position, thread) else None
    if access.account is not None and page.items and status == 200:
        reading.mark_read(access.account, page.items[-1], position)
    return render_template(
        "groups/thread.html",
        access=access,
        thread=thread,
        page=page,
        form=form,
        action_form=forms.ActionForm() if access.signed_in else None,
        first_unread=unread,
        first_unread_cursor=services.cursor_at(unread) if unread else None,
    ), status


@bp.get("/<slug>/threads/<int:thread_id>")
def show_thread(slug: str, thread_id: int):
    access = _load(slug, thread_id=thread_id)
    thread = _thread(access, thread_id)
    quote = id_arg("quote")  # an id out of range is not found, whoever asks
    if not access.can_post:
        return _thread_page(access, thread, None)
    form = forms.ReplyForm(formdata=None)
    if quote is not None:
        quoted = services.get_post(access, quote)
        if quoted is not None and quoted.thread_id == thread.id:
            form.body.data = services.quote_text(quoted)
    return _thread_page(access, thread, form)


def _to_post(access: Access, post: Post | None):
    """To the page of its thread that begins with ``post``, at the post."""
    if post is None:
        return _back(access, "groups.show_group")
    return _back(
        access,
        "groups.show_thread",
        thread_id=post.thread_id,
        after=services.cursor_at(post),
        _anchor=f"post-{post.id}",
    )


@bp.get("/<slug>/threads/<int:thread_id>/unread")
def first_unread(slug: str, thread_id: int):
    """Where the reader left off: their first unread post, else the thread's latest."""
    access = _load(slug)
    thread = _thread(access, thread_id)
    return _to_post(
        access, reading.first_unread(access.account, thread) or reading.latest_post(thread)
    )


@bp.get("/<slug>/threads/<int:thread_id>/latest")
def latest_reply(slug: str, thread_id: int):
    access = _load(slug)
    thread = _thread(access, thread_id)
    return _to_post(access, reading.latest_post(thread))


@bp.post("/<slug>/threads/<int:thread_id>/replies")
@login_required
def create_reply(slug: str, thread_id: int):
    access = _load(slug)
    thread = _thread(access, thread_id)
    form = forms.ReplyForm()
    if form.validate_on_submit():
        try:
            post = services.reply(access, thread, form.body.data)
        except services.GroupError as error:
            refuse(error, form)
        else:
            _tell_if_held(access, post.held_at)
            reading.mark_read(current_user, post)
            anchor = f"post-{post.id}"
            return _back(access, "groups.show_thread", thread_id=thread.id, _anchor=anchor)
    return _thread_page(access, thread, form, 400)


@bp.route("/<slug>/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(slug: str, post_id: int):
    access = _load(slug)
    post = _post(access, post_id)
    if post.author_id != current_user.id:
        abort(403, "Only its author can edit a post.")
    if post.is_opener:
        form = forms.EditOpeningPostForm(body=post.body, title=post.thread.title)
    else:
        form = forms.EditPostForm(body=post.body)
    if form.validate_on_submit():
        title = form.title.data if post.is_opener else None
        try:
            services.edit_post(access, post, form.body.data, title)
        except services.GroupError as error:
            refuse(error, form)
        else:
            flash("Your post is updated.", "success")
            return _back(access, "groups.show_thread", thread_id=post.thread_id)
    return render_template(
        "groups/edit_post.html", access=access, post=post, form=form
    ), 400 if form.errors else 200


@bp.post("/<slug>/posts/<int:post_id>/delete")
@login_required
def delete_post(slug: str, post_id: int):
    access = _load(slug)
    post = _post(access, post_id)
    try:
        services.delete_post(current_user, post)
    except services.GroupError as error:
        refuse(error)
    else:
        flash("Your post is deleted.", "info")
    return _back(access, "groups.show_thread", thread_id=post.thread_id)


@bp.get("/<slug>/posts/<int:post_id>/revisions")
@login_required
def post_revisions(slug: str, post_id: int):
    access = _load(slug, need="moderate")
    post = _post(access, post_id)
    return render_template(
        "groups/revisions.html",
        access=access,
        post=post,
        revisions=moderation.revisions(access, post),
    )


# Reports and moderation --------------------------------------------------------


@bp.route("/<slug>/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def report_post(slug: str, post_id: int):
    access = _load(slug)
    if not access.can_report:
        abort(403, moderation.SUSPENDED_REPORT)
    post = _post(access, post_id)
    form = forms.ReportForm()
    if form.validate_on_submit():
        try:
            moderation.report_post(access, post, form.reason.data, form.details.data)
        except services.GroupError as error:
            if not refuse(error, form):
                return _back(access, "groups.show_thread", thread_id=post.thread_id)
        else:
            flash("Thank you. The group's moderators will look at your report.", "success")
            return _back(access, "groups.show_thread", thread_id=post.thread_id)
    return render_template(
        "groups/report.html", access=access, post=post, form=form
    ), 400 if form.errors else 200


@bp.get("/<slug>/reports")
@login_required
def report_queue(slug: str):
    access = _load(slug, need="moderate")
    page = moderation.report_queue(access, request.args.get("after"))
    return render_template(
        "groups/reports.html", access=access, page=page, form=forms.ReasonForm(formdata=None)
    )


@bp.get("/<slug>/log")
def moderation_log(slug: str):
    access = _load(slug)
    page = log.log_page(access.group, request.args.get("before"))
    # Site admins and the group's own moderators always see who acted.
    names = access.group.log_names_moderators or access.can_moderate
    # Who and what an entry names are read through its references' references (a post's
    # author, its thread's title): the words themselves go into the ETag.
    words = [(entry.public_actor(access.group.name, names), entry.target) for entry in page.items]
    if unchanged := not_modified(access.group, page.items, words, page.next_cursor):
        return unchanged
    return render_template("groups/log.html", access=access, page=page, names_moderators=names)


def _moderate(access: Access, title: str, target: str, action, back, form=None, **extra):
    """The shared GET (confirm, with a reason) and POST (act, log, redirect) of an action."""
    form = form or forms.ReasonForm()
    if form.validate_on_submit():
        try:
            action(form)
        except services.GroupError as error:
            if not refuse(error, form):
                return back
        else:
            flash(f"Done: {title.lower()}. It is in the moderation log.", "success")
            return back
    return render_template(
        "groups/moderate.html", access=access, title=title, target=target, form=form, **extra
    ), 400 if form.errors else 200


def _ruled(access: Access, form_class=None):
    """The moderation form for an action that names a group rule (or a free reason)."""
    return (form_class or forms.ModerationForm)().with_rules(rules.rules_of(access.group))


def _post_action(slug: str, post_id: int, title: str, action, ruled: bool = False):
    access = _load(slug, need="moderate")
    post = _post(access, post_id)
    back = _back(access, "groups.show_thread", thread_id=post.thread_id)
    if ruled:
        form = _ruled(access)
        act = lambda form: action(access, post, form.reason.data, form.rule.data)  # noqa: E731
    else:
        form, act = None, lambda form: action(access, post, form.reason.data)
    return _moderate(
        access, title, f"this post in “{post.thread.title}”", act, back, form=form, post=post
    )


def _thread_action(slug: str, thread_id: int, title: str, action, ruled: bool = False):
    access = _load(slug, need="moderate")
    thread = _thread(access, thread_id)
    back = _back(access, "groups.show_thread", thread_id=thread.id)
    if ruled:
        form = _ruled(access)
        act = lambda form: action(access, thread, form.reason.data, form.rule.data)  # noqa: E731
    else:
        form, act = None, lambda form: action(access, thread, form.reason.data)
    return _moderate(access, title, f"the thread “{thread.title}”", act, back, form=form)


@bp.route("/<slug>/posts/<int:post_id>/hide", methods=["GET", "POST"])
@login_required
def hide_post(slug: str, post_id: int):
    return _post_action(slug, post_id, "Hide a post", moderation.hide_post, ruled=True)


@bp.route("/<slug>/posts/<int:post_id>/unhide", methods=["GET", "POST"])
@login_required
def unhide_post(slug: str, post_id: int):
    return _post_action(slug, post_id, "Show a hidden post again", moderation.unhide_post)


@bp.route("/<slug>/threads/<int:thread_id>/lock", methods=["GET", "POST"])
@login_required
def lock_thread(slug: str, thread_id: int):
    return _thread_action(slug, thread_id, "Lock a thread", moderation.lock_thread, ruled=True)


@bp.route("/<slug>/threads/<int:thread_id>/unlock", methods=["GET", "POST"])
@login_required
def unlock_thread(slug: str, thread_id: int):
    return _thread_action(slug, thread_id, "Unlock a thread", moderation.unlock_thread)


@bp.route("/<slug>/reports/<int:report_id>/dismiss", methods=["GET", "POST"])
@login_required
def dismiss_report(slug: str, report_id: int):
    access = _load(slug, need="moderate")
    return _moderate(
        access,
        "Dismiss a report",
        "a report, leaving the post as it is",
        lambda form: moderation.dismiss_report(access, report_id, form.reason.data),
        _back(access, "groups.report_queue"),
    )


@bp.route("/<slug>/members/<handle>/remove", methods=["GET", "POST"])
@login_required
def remove_member(slug: str, handle: str):
    access = _load(slug, need="moderate")
    return _moderate(
        access,
        "Remove a member",
        f"@{handle}",
        lambda form: moderation.remove_member(access, handle, form.reason.data, form.rule.data),
        _back(access, "groups.members"),
        form=_ruled(access),
    )


@bp.route("/<slug>/bans/new", methods=["GET", "POST"])
@login_required
def ban_account(slug: str):
    access = _load(slug, need="moderate")
    form = forms.BanForm(handle=request.args.get("handle", "")).with_rules(
        rules.rules_of(access.group)
    )
    return _moderate(
        access,
        "Ban an account",
        "an account, by handle",
        lambda form: moderation.ban(access, form.handle.data, form.reason.data, form.rule.data),
        _back(access, "groups.members"),
        form=form,
    )


@bp.route("/<slug>/bans/<handle>/lift", methods=["GET", "POST"])
@login_required
def unban_account(slug: str, handle: str):
    access = _load(slug, need="moderate")
    return _moderate(
        access,
        "Lift a ban",
        f"@{handle}",
        lambda form: moderation.unban(access, handle, form.reason.data),
        _back(access, "groups.members"),
    )


# Rules and watched words, held posts, appeals ----------------------------------


@bp.route("/<slug>/rules", methods=["GET", "POST"])
def group_rules(slug: str):
    """The group's rules for every reader; hosts edit them and the watched words here."""
    access = _load(slug)
    form = None
    if access.can_manage:
        watched = rules.watched_words(access.group)
        form = forms.RulesForm(
            rules="\n".join(rule.text for rule in rules.rules_of(access.group)),
            block="\n".join(word.word for word in watched if word.action == "block"),
            hold="\n".join(word.word for word in watched if word.action == "hold"),
        )
    elif request.method == "POST":
        abort(403, "Only the group's hosts can change its rules.")
    if form is not None and form.validate_on_submit():
        try:
            rules.set_rules(access, form.rules.data)
            rules.set_watched_words(access, form.block.data, form.hold.data)
        except services.GroupError as error:
            refuse(error, form)
        else:
            flash("The rules and watched words are saved.", "success")
            return _back(access, "groups.group_rules")
    return render_template(
        "groups/rules.html", access=access, rules=rules.rules_of(access.group), form=form
    ), 400 if form is not None and form.errors else 200


@bp.get("/<slug>/held")
@login_required
def held_posts(slug: str):
    access = _load(slug, need="moderate")
    page = moderation.held_queue(access, request.args.get("after"))
    return render_template(
        "groups/held.html", access=access, page=page, form=forms.ActionForm(formdata=None)
    )


@bp.post("/<slug>/posts/<int:post_id>/approve")
@login_required
def approve_post(slug: str, post_id: int):
    access = _load(slug, need="moderate")
    post = _post(access, post_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        moderation.approve_post(access, post)
    except services.GroupError as error:
        refuse(error)
    else:
        flash("Approved: everyone who can read the group sees it now.", "success")
    return _back(access, "groups.held_posts")


@bp.route("/<slug>/posts/<int:post_id>/decline", methods=["GET", "POST"])
@login_required
def decline_post(slug: str, post_id: int):
    access = _load(slug, need="moderate")
    post = _post(access, post_id)
    return _moderate(
        access,
        "Decline a held post",
        f"a post waiting in “{post.thread.title}”",
        lambda form: moderation.decline_post(access, post, form.reason.data, form.rule.data),
        _back(access, "groups.held_posts"),
        form=_ruled(access),
        post=post,
    )


@bp.route("/appeals/<int:entry_id>", methods=["GET", "POST"])
@login_required
def appeal(entry_id: int):
    """The person an action fell on reads it and appeals it, once."""
    entry = appeals.get_entry(entry_id)
    if entry is None or not appeals.may_appeal(current_user, entry):
        abort(404)
    existing = appeals.appeal_of(entry)
    form = forms.AppealForm()
    if existing is None and form.validate_on_submit():
        try:
            appeals.file_appeal(current_user, entry, form.text.data)
        except services.GroupError as error:
            refuse(error, form)
        else:
            flash("Your appeal is sent. Someone other than who acted will decide it.", "success")
            return redirect(url_for("groups.appeal", entry_id=entry.id), code=303)
    return render_template(
        "groups/appeal.html", entry=entry, appeal=existing, form=form
    ), 400 if form.errors else 200


@bp.get("/<slug>/appeals")
@login_required
def appeal_queue(slug: str):
    access = _load(slug, need="moderate")
    return render_template(
        "groups/appeals.html", access=access, appeals=appeals.pending_appeals(access)
    )


@bp.route("/<slug>/appeals/<int:appeal_id>", methods=["GET", "POST"])
@login_required
def decide_appeal(slug: str, appeal_id: int):
    access = _load(slug, need="moderate")
    found = appeals.get_appeal(access, appeal_id)
    if found is None:
        abort(404)
    form = forms.DecideAppealForm()
    if form.validate_on_submit():
        try:
            appeals.decide_appeal(
                access, found, upheld=form.outcome.data == "uphold", decision=form.decision.data
            )
        except services.GroupError as error:
            refuse(error, form)
        else:
            flash("Decided. It is in the moderation log, and the person is told.", "success")
            return _back(access, "groups.appeal_queue")
    return render_template(
        "groups/decide_appeal.html",
        access=access,
        appeal=found,
        form=form,
        may_decide=appeals.may_decide(access, found),
    ), 400 if form.errors else 200
