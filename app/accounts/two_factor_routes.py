"""Settings for two-factor sign-in: an authenticator app, passkeys, recovery codes, off."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.accounts import bp, forms, passkeys, two_factor
from app.accounts.routes import keep_passkey_challenge, relying_party, take_passkey_challenge
from app.forms import refuse


def _back():
    return redirect(url_for("accounts.two_factor_settings"), code=303)


def _settings_page(status: int = 200, **forms_in_error):
    options, challenge = passkeys.registration_options(current_user, rp_id=relying_party()["rp_id"])
    keep_passkey_challenge("register", challenge)
    page_forms = {
        "passkey_form": forms.AddPasskeyForm(formdata=None),
        "codes_form": forms.PasswordCheckForm(formdata=None, prefix="codes"),
        "off_form": forms.SwitchOffTwoFactorForm(formdata=None, prefix="off"),
    }
    page_forms.update(forms_in_error)
    return render_template(
        "accounts/two_factor.html",
        state=two_factor.state_of(current_user),
        passkey_options=options,
        start_form=forms.ConfirmForm(formdata=None),
        **page_forms,
    ), status


def _show_recovery_codes(codes: list[str], what: str):
    """The codes, once: they are not kept anywhere we could show them from again."""
    return render_template("accounts/recovery_codes.html", codes=codes, what=what)


@bp.get("/settings/two-factor")
@login_required
def two_factor_settings():
    return _settings_page()


@bp.post("/settings/two-factor/app")
@login_required
def start_app_setup():
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            two_factor.start_app_setup(current_user)
        except two_factor.TwoFactorError as error:
            refuse(error)
            return _back()
    return redirect(url_for("accounts.app_setup"), code=303)


@bp.get("/settings/two-factor/app")
@login_required
def app_setup():
    row = two_factor.pending_app(current_user)
    if row is None:
        return _back()
    return _setup_page(row, forms.ConfirmAppForm(formdata=None))


def _setup_page(row, form, status: int = 200):
    uri = two_factor.setup_uri(row, current_user)
    return render_template(
        "accounts/app_setup.html",
        form=form,
        qr_code=two_factor.qr_code_svg(uri),
        secret=two_factor.grouped_secret(row.secret),
    ), status


@bp.post("/settings/two-factor/app/confirm")
@login_required
def confirm_app():
    row = two_factor.pending_app(current_user)
    if row is None:
        return _back()
    form = forms.ConfirmAppForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_app(
                current_user, form.code.data, keep=current_user.current_session
            )
        except two_factor.TwoFactorError as error:
            refuse(error, form)
        else:
            if codes is None:
                flash("Your authenticator app is set up as a second factor.", "success")
                return _back()
            return _show_recovery_codes(codes, "Two-factor sign-in is on.")
    return _setup_page(row, form, status=400)


@bp.post("/settings/two-factor/passkeys")
@login_required
def add_passkey():
    form = forms.AddPasskeyForm()
    challenge = take_passkey_challenge("register")
    if form.validate_on_submit():
        try:
            _, codes = passkeys.add_passkey(
                current_user,
                name=form.name.data,
                credential=form.credential.data or "",
                challenge=challenge,
                keep=current_user.current_session,
                **relying_party(),
            )
        except two_factor.TwoFactorError as error:
            refuse(error, form)
        else:
            if codes is None:
                flash("Your passkey is added.", "success")
                return _back()
            return _show_recovery_codes(codes, "Your passkey is added. Two-factor sign-in is on.")
    return _settings_page(400, passkey_form=form)


@bp.route("/settings/two-factor/passkeys/<int:passkey_id>/remove", methods=["GET", "POST"])
@login_required
def remove_passkey(passkey_id: int):
    passkey = next((k for k in two_factor.passkeys_of(current_user) if k.id == passkey_id), None)
    if passkey is None:
        abort(404)
    form = forms.PasswordCheckForm()
    refused = False
    if form.validate_on_submit():
        try:
            passkeys.remove_passkey(current_user, passkey_id, form.password.data)
        except two_factor.TwoFactorError as error:
            refuse(error, form)
            refused = True
        else:
            flash(f"The passkey “{passkey.name}” is removed.", "success")
            return _back()
    return render_template(
        "accounts/remove_passkey.html", form=form, passkey=passkey
    ), 400 if refused or form.errors else 200


@bp.post("/settings/two-factor/recovery-codes")
@login_required
def replace_recovery_codes():
    form = forms.PasswordCheckForm(prefix="codes")
    if form.validate_on_submit():
        try:
            codes = two_factor.replace_recovery_codes(current_user, form.password.data)
        except two_factor.TwoFactorError as error:
            refuse(error, form)
        else:
            return _show_recovery_codes(codes, "Your old recovery codes no longer work.")
    return _settings_page(400, codes_form=form)


@bp.post("/settings/two-factor/off")
@login_required
def switch_off_two_factor():
    form = forms.SwitchOffTwoFactorForm(prefix="off")
    if form.validate_on_submit():
        try:
            two_factor.switch_off(current_user, form.password.data, form.code.data)
        except two_factor.TwoFactorError as error:
            refuse(error, form)
        else:
            flash("Two-factor sign-in is off. Signing in asks only for your password.", "success")
            return _back()
    return _settings_page(400, off_form=form)
