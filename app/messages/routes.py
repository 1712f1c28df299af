from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.domain import DomainError
from app.forms import refuse
from app.groups.forms import ReasonForm, ReportForm
from app.memberships.services import write_refusal
from app.messages import bp, forms, moderation, services
from app.messages.models import Conversation, Message


def _conversation(conversation_id: int) -> Conversation:
    conversation = services.get_conversation(current_user, conversation_id)
    if conversation is None:
        abort(404)
    return conversation


def _to_conversation(conversation: Conversation, message: Message | None = None):
    anchor = f"message-{message.id}" if message is not None else None
    return redirect(
        url_for("messages.show_conversation", conversation_id=conversation.id, _anchor=anchor),
        code=303,
    )


@bp.get("/messages")
@login_required
def inbox():
    page = services.conversations_page(current_user, request.args.get("before"))
    return render_template("messages/inbox.html", page=page)


@bp.route("/messages/new", methods=["GET", "POST"])
@login_required
def new_conversation():
    form = forms.NewConversationForm(handle=request.args.get("to", "")[:31])
    refused = False
    if form.validate_on_submit():
        try:
            message = services.start_conversation(current_user, form.handle.data, form.body.data)
        except DomainError as error:
            refused = not refuse(error, form)
        else:
            return _to_conversation(message.conversation, message)
    return render_template(
        "messages/new.html", form=form, refusal=write_refusal(current_user)
    ), 400 if form.errors or refused else 200


def _conversation_page(conversation: Conversation, form: forms.MessageForm, status: int = 200):
    return render_template(
        "messages/conversation.html",
        conversation=conversation,
        other=conversation.other_side(current_user),
        page=services.messages_page(conversation, request.args.get("before")),
        form=form,
        refusal=write_refusal(current_user),
    ), status


@bp.get("/messages/<int:conversation_id>")
@login_required
def show_conversation(conversation_id: int):
    return _conversation_page(_conversation(conversation_id), forms.MessageForm(formdata=None))


@bp.post("/messages/<int:conversation_id>")
@login_required
def send_message(conversation_id: int):
    conversation = _conversation(conversation_id)
    form = forms.MessageForm()
    if form.validate_on_submit():
        try:
            message = services.send_message(current_user, conversation, form.body.data)
        except DomainError as error:
            refuse(error, form)
        else:
            return _to_conversation(conversation, message)
    return _conversation_page(conversation, form, 400)


@bp.route("/messages/<int:conversation_id>/<int:message_id>/report", methods=["GET", "POST"])
@login_required
def report_message(conversation_id: int, message_id: int):
    conversation = _conversation(conversation_id)
    message = services.get_message(conversation, message_id)
    if message is None or message.author_id == current_user.id:
        abort(404)
    if current_user.is_suspended:
        abort(403, moderation.SUSPENDED_REPORT)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            moderation.report_message(current_user, message, form.reason.data, form.details.data)
        except DomainError as error:
            if not refuse(error, form):
                return _to_conversation(conversation, message)
        else:
            flash("Thank you. The site admins will look at your report.", "success")
            return _to_conversation(conversation, message)
    return render_template(
        "messages/report.html", conversation=conversation, message=message, form=form
    ), 400 if form.errors else 200


@bp.route("/settings/messages", methods=["GET", "POST"])
@login_required
def settings():
    accepts = services.accepts_all_members(current_user)
    form = forms.MessageSettingsForm(who="all" if accepts else "groups")
    if form.validate_on_submit():
        services.set_accepts_all_members(current_user, form.who.data == "all")
        flash("Your message settings are saved.", "success")
        return redirect(url_for("messages.settings"), code=303)
    return render_template("messages/settings.html", form=form), 400 if form.errors else 200


# Site admins, on reported messages: under /admin, so behind app.admin's one guard.


def _act_on_report(report_id: int, title: str, action):
    report = _open_report(report_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            action(current_user, report_id, form.reason.data)
        except DomainError as error:
            if not refuse(error, form):
                return redirect(url_for("admin.all_reports"), code=303)
        else:
            flash(f"Done: {title.lower()}. It is in the site log.", "success")
            return redirect(url_for("admin.all_reports"), code=303)
    return render_template(
        "messages/moderate.html", report=report, title=title, form=form
    ), 400 if form.errors else 200


def _open_report(report_id: int):
    try:
        return moderation.open_message_report(current_user, report_id)
    except DomainError:
        abort(404)


@bp.route("/admin/message-reports/<int:report_id>/remove", methods=["GET", "POST"])
def remove_message(report_id: int):
    return _act_on_report(report_id, "Remove a message", moderation.remove_message)


@bp.route("/admin/message-reports/<int:report_id>/dismiss", methods=["GET", "POST"])
def dismiss_message_report(report_id: int):
    return _act_on_report(report_id, "Dismiss a report", moderation.dismiss_message_report)
