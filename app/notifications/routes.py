from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.accounts.routes import safe_next
from app.forms import refuse
from app.notifications import bp, emails, forms, services
from app.notifications.models import DELIVERIES, KINDS

WATCH_CHOICES = {"watch": "watching", "mute": "muted", "stop": None}


def template_helpers() -> dict:
    """What every page may ask: the viewer's unread count (for the header), a
    notification's words, and the viewer's watch on a thread."""

    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        # The header draws its links twice (wide and phone menus): one count per request,
        # kept in the request's own environ (g can outlive a request, as in tests).
        cache = request.environ
        if "kindred.unread_notifications" not in cache:
            cache["kindred.unread_notifications"] = services.unread_count(current_user)
        return cache["kindred.unread_notifications"]

    def thread_watch_state(thread) -> str | None:
        viewer = current_user if current_user.is_authenticated else None
        return services.watch_state(viewer, thread.id)

    return {
        "unread_notifications": unread_notifications,
        "unread_shown_max": services.UNREAD_SHOWN_MAX,
        "thread_watch_state": thread_watch_state,
    }


@bp.get("/notifications")
@login_required
def index():
    page = services.notifications_page(current_user, request.args.get("before"))
    return render_template("notifications/index.html", page=page)


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    try:
        notification = services.open_notification(current_user, notification_id)
    except services.NotificationError:
        abort(404)
    return redirect(safe_next(notification.link) or url_for("notifications.index"), code=303)


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    services.mark_all_read(current_user)
    flash("Every notification is marked as read.", "info")
    return redirect(url_for("notifications.index"), code=303)


@bp.post("/notifications/threads/<int:thread_id>/<choice>")
@login_required
def watch_thread(thread_id: int, choice: str):
    """Watch, mute, or stop watching a thread the viewer can read."""
    thread = services.readable_thread(current_user, thread_id)
    if thread is None or choice not in WATCH_CHOICES:
        abort(404)
    services.set_watch(current_user, thread.id, WATCH_CHOICES[choice])
    flash(_watch_message(WATCH_CHOICES[choice]), "success")
    return redirect(
        url_for("groups.show_thread", slug=thread.group.slug, thread_id=thread.id), code=303
    )


def _watch_message(state: str | None) -> str:
    if state == "watching":
        return "You are watching this thread: each reply is a notification."
    if state == "muted":
        return "You muted this thread: replies are not notifications, mentions still are."
    return "You no longer watch this thread."


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    form = forms.NotificationSettingsForm(data=services.deliveries(current_user))
    if form.validate_on_submit():
        try:
            services.set_deliveries(current_user, form.choices())
        except services.NotificationError as error:
            refuse(error, form)
        else:
            flash("Your email choices are saved.", "success")
            return redirect(url_for("notifications.settings"), code=303)
    return render_template(
        "notifications/settings.html", form=form, kinds=KINDS, deliveries=DELIVERIES
    ), 400 if form.errors else 200


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """Stop one kind of email: the link's page asks, a POST (ours, or a mail program's
    one-click) does it. A forged, garbled or expired link gets a page that says so."""
    try:
        account, kind = emails.read_unsubscribe_token(token)
    except emails.InvalidUnsubscribeLink as error:
        return render_template("notifications/bad_link.html", message=error.message), 400
    form = forms.UnsubscribeForm()
    if form.validate_on_submit():
        changed = services.stop_mail(account, kind)
        return render_template(
            "notifications/unsubscribed.html", what=emails.what_stops(kind), changed=changed
        )
    return render_template(
        "notifications/unsubscribe.html", what=emails.what_stops(kind), account=account
    )
