from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from limits import parse

from app.accounts import bp, emails, forms, services
from app.accounts.deletion import delete_account as delete_account_for
from app.accounts.models import Account
from app.billing import services as billing_services
from app.domain import DomainError
from app.exports import services as exports
from app.exports.forms import ExportForm
from app.extensions import client_key, limiter
from app.forms import refuse


def _limit(name: str):
    return lambda: current_app.config[name]


# Rate limits. Failed sign-ins are counted three ways: per client (whatever the account),
# per account from one client, and per account from every client. The last is the bound on
# guessing from many places at once, and it holds only clients that have themselves failed
# at that account FAILURES_BEFORE_HELD times within its window: a stranger's failures, from
# anywhere, never keep the person, from their own client, out of their account. A held
# attempt is refused before any password is checked, so it tells the guesser nothing.
FAILURES_BEFORE_HELD = 3


def _account_key() -> str:
    """The account tried, by email or handle alike; else (a digest of) what was typed."""
    cached = request.environ.get("kindred.login_account_key")
    if cached is None:
        typed = request.form.get("identifier", "").strip().lower()
        # Text no account could have is never looked up (a NUL would upset PostgreSQL).
        plausible = len(typed) <= 254 and not any(ord(c) < 32 for c in typed)
        account = services.find_account(typed) if plausible else None
        cached = request.environ["kindred.login_account_key"] = (
            f"account:{account.id}"
            if account
            else "typed:" + hashlib.sha256(typed.encode("utf-8", "replace")).hexdigest()[:32]
        )
    return cached


def _account_and_client_key() -> str:
    return f"{_account_key()}/{client_key()}"


def _failures_here():
    """The counter of this client's failures at this account over the account limit's window
    (a limit item of FAILURES_BEFORE_HELD, and its keys)."""
    window = parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    marker = type(window)(FAILURES_BEFORE_HELD, window.multiples, namespace="KINDRED-FAILED")
    return marker, ("login", _account_key(), client_key())


def _not_failing_here() -> bool:
    """Exempts from the account-wide limit the clients not yet held by it."""
    marker, keys = _failures_here()
    return limiter.limiter.test(marker, *keys)


def _failed(response) -> bool:
    """Anything but a sign-in or a held attempt (a 429 checked no password)."""
    return response.status_code not in {303, 429}


def _failed_here(response) -> bool:
    if _failed(response):
        marker, keys = _failures_here()
        limiter.limiter.hit(marker, *keys)
        return True
    return False


def _email_key() -> str:
    return "account:" + request.form.get("email", "").strip().lower()


def safe_next(target: str | None) -> str | None:
    """Only same-site paths; anything with a scheme, host or odd slashes is dropped."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_limit("SIGNUP_LIMIT_PER_CLIENT"), methods=["POST"])
@limiter.limit(_limit("SIGNUP_LIMIT_PER_ACCOUNT"), methods=["POST"], key_func=_email_key)
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = forms.SignupForm()
    if form.validate_on_submit():
        try:
            account = services.register_account(
                form.email.data, form.handle.data, form.password.data, form.display_name.data
            )
        except services.AccountError as error:
            refuse(error, form)
        else:
            emails.send_verification(account)
            return redirect(url_for("accounts.check_email"), code=303)
    return render_template("accounts/signup.html", form=form), 400 if form.errors else 200


@bp.get("/signup/check-your-email")
def check_email():
    return render_template("accounts/check_email.html", form=forms.ResendVerificationForm())


@bp.post("/verify/resend")
@limiter.limit(_limit("RESET_LIMIT_PER_CLIENT"))
@limiter.limit(_limit("RESET_LIMIT_PER_ACCOUNT"), key_func=_email_key)
def resend_verification():
    form = forms.ResendVerificationForm()
    if not form.validate_on_submit():
        return render_template("accounts/check_email.html", form=form), 400
    account = services.get_account_by_email(form.email.data)
    if account is not None and not account.is_verified:
        emails.send_verification(account)
    flash("If that address has an unverified account, a new link is on its way.", "info")
    return redirect(url_for("accounts.check_email"), code=303)


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            services.verify_email(token)
        except services.InvalidToken as error:
            refuse(error)
            return redirect(url_for("accounts.check_email"), code=303)
        flash("Thank you: your email address is confirmed. You can log in now.", "success")
        return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/verify_email.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_CLIENT"), methods=["POST"], deduct_when=_failed)
@limiter.limit(
    _limit("LOGIN_LIMIT_PER_ACCOUNT_AND_CLIENT"),
    methods=["POST"],
    key_func=_account_and_client_key,
    deduct_when=_failed_here,
)
@limiter.limit(
    _limit("LOGIN_LIMIT_PER_ACCOUNT"),
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
    exempt_when=_not_failing_here,
)
def login():
    form = forms.LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        try:
            account = services.authenticate(form.identifier.data, form.password.data)
        except services.AccountError as error:
            refuse(error, form)
            return render_template("accounts/login.html", form=form), 400
        session.clear()
        session.permanent = bool(form.remember.data)
        login_user(account)
        return redirect(safe_next(form.next.data) or url_for("pages.home"), code=303)
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("pages.home"), code=303)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_CLIENT"), methods=["POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_ACCOUNT"), methods=["POST"], key_func=_email_key)
def request_reset():
    form = forms.RequestResetForm()
    if form.validate_on_submit():
        account = services.get_account_by_email(form.email.data)
        if account is not None:
            emails.send_password_reset(account)
        # The same answer either way: this page never reveals who has an account.
        flash("If that address has an account, a reset link is on its way.", "info")
        return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/request_reset.html", form=form), 400 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        account = services.account_for_reset_token(token)
    except services.InvalidToken as error:
        refuse(error)
        return redirect(url_for("accounts.request_reset"), code=303)
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.new_password.data)
        except services.AccountError as error:
            refuse(error, form)
        else:
            flash("Your password is changed. Please log in with it.", "success")
            return redirect(url_for("accounts.login"), code=303)
    return render_template(
        "accounts/reset_password.html", form=form, account=account
    ), 400 if form.errors else 200


def _your_data() -> dict:
    """What the settings page shows under "Your data": downloads made, groups hosted."""
    return {
        "export_form": ExportForm(formdata=None),
        "exports": exports.recent_exports(current_user),
        "hosted": exports.hosted_groups(current_user),
    }


@bp.get("/settings")
@login_required
def settings():
    return render_template(
        "accounts/settings.html",
        profile_form=forms.ProfileForm(obj=current_user),
        email_form=forms.ChangeEmailForm(formdata=None),
        password_form=forms.ChangePasswordForm(formdata=None),
        **_your_data(),
    )


def _settings_with(status: int = 400, **forms_in_error):
    page_forms = {
        "profile_form": forms.ProfileForm(formdata=None, obj=current_user),
        "email_form": forms.ChangeEmailForm(formdata=None),
        "password_form": forms.ChangePasswordForm(formdata=None),
    }
    page_forms.update(forms_in_error)
    return render_template("accounts/settings.html", **page_forms, **_your_data()), status


@bp.post("/settings/profile")
@login_required
def update_profile():
    form = forms.ProfileForm()
    if not form.validate_on_submit():
        return _settings_with(profile_form=form)
    services.update_profile(current_user, form.display_name.data, form.bio.data)
    flash("Your profile is saved.", "success")
    return redirect(url_for("accounts.settings"), code=303)


@bp.post("/settings/password")
@login_required
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except services.AccountError as error:
            refuse(error, form)
        else:
            # The login id rotated; keep this session signed in.
            login_user(current_user._get_current_object())
            flash("Your password is changed. Other devices have been signed out.", "success")
            return redirect(url_for("accounts.settings"), code=303)
    return _settings_with(password_form=form)


@bp.post("/settings/email")
@login_required
def change_email():
    form = forms.ChangeEmailForm()
    if form.validate_on_submit():
        try:
            token = services.request_email_change(current_user, form.email.data, form.password.data)
        except services.AccountError as error:
            refuse(error, form)
        else:
            emails.send_email_change(current_user, services.normalize_email(form.email.data), token)
            flash("Check your new address: we sent a link to confirm it.", "info")
            return redirect(url_for("accounts.settings"), code=303)
    return _settings_with(email_form=form)


@bp.route("/settings/email/<token>", methods=["GET", "POST"])
@login_required
def confirm_email_change(token: str):
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        try:
            old_email = services.confirm_email_change(current_user, token)
        except services.InvalidToken as error:
            refuse(error)
        else:
            emails.send_email_changed_notice(current_user, old_email)
            # Receipts follow the member at once; a failure is left to `billing reconcile`.
            billing_services.update_customer_email(current_user)
            flash("Your email address is changed.", "success")
        return redirect(url_for("accounts.settings"), code=303)
    return render_template("accounts/confirm_email_change.html", form=form)


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = forms.DeleteAccountForm()
    refused = False
    if form.validate_on_submit():
        handle = current_user.handle
        try:
            email = delete_account_for(
                current_user._get_current_object(),
                form.password.data,
                keep_posts=form.posts.data == "keep",
            )
        except DomainError as error:
            refuse(error, form)
            refused = True
        else:
            logout_user()
            session.clear()
            emails.send_account_deleted(email, handle)
            flash("Your account is deleted. Thank you for having been part of Kindred.", "info")
            return redirect(url_for("pages.home"), code=303)
    return render_template(
        "accounts/delete_account.html", form=form, export_form=ExportForm(formdata=None)
    ), 400 if form.errors or refused else 200


@bp.get("/u/<handle>")
@login_required
def profile(handle: str):
    account: Account | None = services.get_account_by_handle(handle)
    if account is None:
        abort(404)
    return render_template("accounts/profile.html", account=account)
