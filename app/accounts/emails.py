"""The messages accounts send. Links are absolute, built for the current request's host."""

from __future__ import annotations

from flask import current_app, url_for

from app.accounts import services
from app.accounts.models import Account
from app.mail import send_mail


def send_verification(account: Account) -> None:
    link = url_for(
        "accounts.verify_email", token=services.verification_token(account), _external=True
    )
    hours = current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600
    send_mail(
        account.email,
        "Confirm your email address",
        f"Hello {account.handle},\n\n"
        f"Please confirm your email address by opening this link:\n\n{link}\n\n"
        f"The link works for {hours} hours. If you did not sign up, ignore this message.\n",
    )


def send_password_reset(account: Account) -> None:
    link = url_for("accounts.reset_password", token=services.reset_token(account), _external=True)
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    send_mail(
        account.email,
        "Reset your password",
        f"Hello {account.handle},\n\n"
        f"Someone asked to reset the password of your account. To choose a new one, open:\n\n"
        f"{link}\n\nThe link works once, for {minutes} minutes. If this was not you, ignore it;"
        " your password has not changed.\n",
    )


def send_email_change(account: Account, new_email: str, token: str) -> None:
    link = url_for("accounts.confirm_email_change", token=token, _external=True)
    send_mail(
        new_email,
        "Confirm your new email address",
        f"Hello {account.handle},\n\nTo use this address for your account, open:\n\n{link}\n\n"
        "If you did not ask for this, ignore this message.\n",
    )


def send_email_changed_notice(account: Account, old_email: str) -> None:
    send_mail(
        old_email,
        "Your email address was changed",
        f"Hello {account.handle},\n\nYour account's email address is now {account.email}. "
        "If you did not do this, reset your password at once.\n",
    )


def send_account_deleted(email: str, handle: str) -> None:
    send_mail(
        email,
        "Your account is deleted",
        f"Hello {handle},\n\nYour account and everything that named you are deleted, and "
        "any membership you paid for is cancelled: nothing more will be charged. Paid "
        "invoices stay in our books, as the law requires, without your name or address.\n\n"
        "You are welcome back any time; you can sign up again with this address.\n",
        forget_when_done=True,
    )


def _settings_hint() -> str:
    site = current_app.config["SITE_NAME"]
    return f"You can see your second factors on {site} under Settings, Two-factor sign-in."


def send_two_factor_on(account: Account, *, other_sessions_ended: int) -> None:
    ended = (
        " Every other device where you were signed in has been signed out."
        if other_sessions_ended
        else ""
    )
    send_mail(
        account.email,
        "Two-factor sign-in is on",
        f"Hello {account.handle},\n\nTwo-factor sign-in is now on for your account: signing in "
        f"asks for a second factor after your password.{ended}\n\n"
        "If you did not do this, reset your password at once and write to the site's "
        f"operators.\n\n{_settings_hint()}\n",
    )


def send_two_factor_off(account: Account) -> None:
    send_mail(
        account.email,
        "Two-factor sign-in is off",
        f"Hello {account.handle},\n\nTwo-factor sign-in is now off for your account: signing in "
        "asks only for your password. Your authenticator app, passkeys and recovery codes no "
        "longer work here.\n\nIf you did not do this, reset your password at once and switch "
        f"two-factor sign-in on again.\n\n{_settings_hint()}\n",
    )


def send_recovery_code_used(account: Account, *, left: int) -> None:
    remaining = f"{left} recovery code{'' if left == 1 else 's'} left"
    send_mail(
        account.email,
        "A recovery code was used",
        f"Hello {account.handle},\n\nOne of your recovery codes was just used for your account "
        f"and will not work again. You have {remaining}; you can make new ones in your "
        "settings.\n\nIf this was not you, someone has your password and a recovery code: "
        "reset your password at once and make new recovery codes.\n\n"
        f"{_settings_hint()}\n",
    )


def send_passkey_added(account: Account, name: str) -> None:
    send_mail(
        account.email,
        "A passkey was added",
        f'Hello {account.handle},\n\nA passkey named "{name}" was added to your account as a '
        "second factor.\n\nIf you did not do this, reset your password at once and remove it."
        f"\n\n{_settings_hint()}\n",
    )
