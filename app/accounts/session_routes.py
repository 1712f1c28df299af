"""Settings: where you are signed in, and signing other devices out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from app.accounts import bp, forms, sessions
from app.forms import refuse


def _back():
    return redirect(url_for("accounts.list_sessions"), code=303)


def _sessions_page(name_form: forms.DeviceNameForm | None = None, status: int = 200):
    this = current_user.current_session
    return render_template(
        "accounts/sessions.html",
        page=sessions.sessions_of(current_user, request.args.get("before")),
        this_session=this,
        name_form=name_form or forms.DeviceNameForm(formdata=None, obj=this),
    ), status


@bp.get("/settings/sessions")
@login_required
def list_sessions():
    return _sessions_page()


@bp.post("/settings/sessions/this-device")
@login_required
def name_this_device():
    form = forms.DeviceNameForm()
    if not form.validate_on_submit():
        return _sessions_page(form, status=400)
    try:
        sessions.name_session(current_user.current_session, form.device_name.data)
    except sessions.SessionError as error:
        refuse(error, form)
        return _sessions_page(form, status=400)
    flash("The name of this device is saved.", "success")
    return _back()


@bp.post("/settings/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    if not forms.ConfirmForm().validate_on_submit():
        return _back()
    ending_this_one = session_id == current_user.current_session.id
    try:
        sessions.end_session(current_user, session_id)
    except sessions.SessionError as error:
        refuse(error)
        return _back()
    if ending_this_one:
        logout_user()
        session.clear()
        flash("You are logged out on this device.", "info")
        return redirect(url_for("pages.home"), code=303)
    flash("That session is signed out. Its device is no longer signed in.", "success")
    return _back()


@bp.post("/settings/sessions/end-others")
@login_required
def end_other_sessions():
    if not forms.ConfirmForm().validate_on_submit():
        return _back()
    ended = sessions.end_other_sessions(current_user, current_user.current_session)
    flash(
        f"Signed out everywhere else ({ended} other session{'' if ended == 1 else 's'})."
        if ended
        else "You were not signed in anywhere else.",
        "success",
    )
    return _back()
