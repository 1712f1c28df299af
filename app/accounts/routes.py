from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from limits import parse

from app.accounts import avatars, bp, emails, forms, passkeys, services, sessions, two_factor
from app.accounts.deletion import delete_account as delete_account_for
from app.accounts.models import Account
from app.billing import services as billing_services
from app.domain import DomainError
from app.exports import services as exports
from app.exports.forms import ExportForm
from app.extensions import client_key, limiter
from app.forms import refuse
from app.times import DEFAULT_ZONE

# The sign-in waiting for its second factor, in the session cookie between the two steps.
PENDING_SIGN_IN = "kindred.second_factor"
# The challenge of the passkey ceremony under way, kept until the browser answers.
PASSKEY_CHALLENGE = "kindred.passkey_challenge"
PASSKEY_CHALLENGE_MAX_AGE = 5 * 60


def _limit(name: str):
    return lambda: current_app.config[name]


# Rate limits. Failed sign-ins are counted three ways: per client (whatever the account),
# per account from one client, and per account from every client. The last is the bound on
# guessing from many places at once, and it holds only clients that have themselves failed
# at that account FAILURES_BEFORE_HELD times within its window: a stranger's failures, from
# anywhere, never keep the person, from their own client, out of their account. A held
# attempt is refused before any password is checked, so it tells the guesser nothing.
# The second step (a code or a passkey) is counted the same way under its own limits.
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


def _pending_account_key() -> str:
    """The account waiting for its second factor (from this session's first step)."""
    pending = session.get(PENDING_SIGN_IN)
    account_id = pending.get("a") if isinstance(pending, dict) else None
    return f"account:{account_id}" if isinstance(account_id, int) else "account:none"


class _SignInLimits:
    """The three counts of one step of signing in (see above), keyed by ``account_key``."""

    def __init__(self, step: str, settings: str, account_key) -> None:
        self.step, self.settings, self.account_key = step, settings, account_key

    def _failures_here(self):
        """This client's failures at this account over the account limit's window (a limit
        item of FAILURES_BEFORE_HELD, and its keys)."""
        window = parse(current_app.config[f"{self.settings}_LIMIT_PER_ACCOUNT"])
        marker = type(window)(FAILURES_BEFORE_HELD, window.multiples, namespace="KINDRED-FAILED")
        return marker, (self.step, self.account_key(), client_key())

    def _not_failing_here(self) -> bool:
        """Exempts from the account-wide limit the clients not yet held by it."""
        marker, keys = self._failures_here()
        return limiter.limiter.test(marker, *keys)

    def _failed_here(self, response) -> bool:
        if _failed(response):
            marker, keys = self._failures_here()
            limiter.limiter.hit(marker, *keys)
            return True
        return False

    def __call__(self, view):
        settings = self.settings
        for decorate in (
            limiter.limit(
                _limit(f"{settings}_LIMIT_PER_ACCOUNT"),
                methods=["POST"],
                key_func=self.account_key,
                deduct_when=_failed,
                exempt_when=self._not_failing_here,
            ),
            limiter.limit(
                _limit(f"{settings}_LIMIT_PER_ACCOUNT_AND_CLIENT"),
                methods=["POST"],
                key_func=lambda: f"{self.account_key()}/{client_key()}",
                deduct_when=self._failed_here,
            ),
            limiter.limit(
                _limit(f"{settings}_LIMIT_PER_CLIENT"), methods=["POST"], deduct_when=_failed
            ),
        ):
            view = decorate(view)
        return view


def _failed(response) -> bool:
    """Anything but a step passed or a held attempt (a 429 checked nothing)."""
    return response.status_code not in {303, 429}


def _email_key() -> str:
    return "account:" + request.form.get("email", "").strip().lower()


def relying_party() -> dict[str, str]:
    """Who passkeys are for: this site's domain name and the origin pages are served from."""
    host = urlsplit(request.host_url).hostname or ""
    return {
        "rp_id": current_app.config["WEBAUTHN_RP_ID"] or host,
        "origin": f"{request.scheme}://{request.host}",
    }


def keep_passkey_challenge(purpose: str, challenge: bytes) -> None:
    session[PASSKEY_CHALLENGE] = {
        "p": purpose,
        "c": base64.urlsafe_b64encode(challenge).decode(),
        "t": int(time.time()),
    }


def take_passkey_challenge(purpose: str) -> bytes | None:
    """The challenge kept for ``purpose``, used up; None if there is none or it is stale."""
    kept = session.pop(PASSKEY_CHALLENGE, None)
    if not isinstance(kept, dict) or kept.get("p") != purpose:
        return None
    if not isinstance(kept.get("t"), int) or time.time() - kept["t"] > PASSKEY_CHALLENGE_MAX_AGE:
        return None
    try:
        return base64.urlsafe_b64decode(kept.get("c", ""))
    except (ValueError, TypeError):
        return None


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
            services.check_signup_pace(form.website.data, form.started.data)
            account = services.register_account(
                form.email.data, form.handle.data, form.password.data, form.display_name.data
            )
        except services.AccountError as error:
            refuse(error, form)
        else:
            emails.send_verification(account)
            return redirect(url_for("accounts.check_email"), code=303)
    form.website.data = ""
    form.started.data = services.signup_form_token_to_keep(form.started.data)
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


def _sign_in(account: Account, *, remember: bool, next_target: str | None):
    """Start a session for ``account`` (a new cookie, nothing kept from before) and go on."""
    session.clear()
    session.permanent = remember
    sessions.start_session(account)
    login_user(account)
    return redirect(safe_next(next_target) or url_for("pages.home"), code=303)


@bp.route("/login", methods=["GET", "POST"])
@_SignInLimits("login", "LOGIN", _account_key)
def login():
    form = forms.LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        try:
            account = services.authenticate(form.identifier.data, form.password.data)
        except services.AccountError as error:
            refuse(error, form)
            return render_template("accounts/login.html", form=form), 400
        remember, next_target = bool(form.remember.data), safe_next(form.next.data)
        # Asked only once the password is right, so it tells nobody else whether it is on.
        if two_factor.is_on(account):
            session.clear()
            session[PENDING_SIGN_IN] = two_factor.awaiting_second_factor(
                account, remember=remember, next_target=next_target
            )
            return redirect(url_for("accounts.login_two_factor"), code=303)
        return _sign_in(account, remember=remember, next_target=next_target)
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.route("/login/two-factor", methods=["GET", "POST"])
@_SignInLimits("second factor", "TWO_FACTOR", _pending_account_key)
def login_two_factor():
    pending = session.get(PENDING_SIGN_IN)
    account = two_factor.account_awaiting_second_factor(pending)
    if account is None:
        if session.pop(PENDING_SIGN_IN, None) is not None:
            flash("That took too long, so please log in again.", "info")
        return redirect(url_for("accounts.login"), code=303)
    form = forms.SecondFactorForm()
    if form.validate_on_submit():
        try:
            if form.credential.data:
                passkeys.use_passkey(
                    account,
                    credential=form.credential.data,
                    challenge=take_passkey_challenge("sign-in"),
                    **relying_party(),
                )
            else:
                two_factor.use_code(account, form.code.data or "")
        except two_factor.TwoFactorError as error:
            refuse(error, form)
            return _second_step_page(account, form, status=400)
        return _sign_in(account, remember=pending["r"], next_target=pending["n"])
    return _second_step_page(account, form, status=400 if form.errors else 200)


def _second_step_page(account: Account, form: forms.SecondFactorForm, *, status: int):
    options = passkeys.authentication_options(account, rp_id=relying_party()["rp_id"])
    if options is not None:
        keep_passkey_challenge("sign-in", options[1])
    return render_template(
        "accounts/login_two_factor.html",
        form=form,
        has_app=two_factor.state_of(account).app is not None,
        passkey_options=options[0] if options else None,
    ), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated and current_user.current_session is not None:
        sessions.end_session(current_user, current_user.current_session.id)
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
    zone = form.time_zone.data or DEFAULT_ZONE
    try:
        services.update_profile(current_user, form.display_name.data, form.bio.data, time_zone=zone)
    except DomainError as error:
        refuse(error, form)
        return _settings_with(profile_form=form)
    flash("Your profile is saved.", "success")
    return redirect(url_for("accounts.settings"), code=303)


@bp.post("/settings/password")
@login_required
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                keep=current_user.current_session,
            )
        except services.AccountError as error:
            refuse(error, form)
        else:
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


@bp.get("/avatars/<int:shade>/<letters>.svg")
def avatar(shade: int, letters: str):
    """An initials avatar; its address says everything it shows, so it is cached for good."""
    if not avatars.valid(shade, letters):
        abort(404)
    response = current_app.response_class(avatars.svg(shade, letters), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
