"""One form per account action. Field rules shared with the services come from there."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.accounts.services import PASSWORD_MAX_LENGTH, handle_problem


def _valid_handle(form: FlaskForm, field: StringField) -> None:
    if field.data and (problem := handle_problem(field.data.strip())):
        raise ValidationError(problem)


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


EMAIL = [
    DataRequired("Enter your email address."),
    Email("Enter an email address like name@example.org."),
    Length(max=254),
]
DISPLAY_NAME = [Optional(), Length(max=50, message="Keep your display name to 50 characters.")]


class SignupForm(FlaskForm):
    email = EmailField("Email address", validators=EMAIL, filters=[_strip])
    handle = StringField(
        "Handle", validators=[DataRequired("Choose a handle."), Length(max=30), _valid_handle]
    )
    display_name = StringField("Display name (optional)", validators=DISPLAY_NAME)
    password = PasswordField(
        "Password",
        validators=[DataRequired("Choose a password."), Length(max=PASSWORD_MAX_LENGTH)],
    )


class LoginForm(FlaskForm):
    identifier = StringField(
        "Email address or handle",
        validators=[DataRequired("Enter your email address or handle."), Length(max=254)],
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device for 30 days")
    next = HiddenField()


class ResendVerificationForm(FlaskForm):
    email = EmailField("Email address", validators=EMAIL, filters=[_strip])


class ConfirmForm(FlaskForm):
    """A bare POST with a CSRF token, for confirming links opened from mail."""


class RequestResetForm(FlaskForm):
    email = EmailField("Email address", validators=EMAIL, filters=[_strip])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), Length(max=PASSWORD_MAX_LENGTH)],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), Length(max=PASSWORD_MAX_LENGTH)],
    )


class ChangeEmailForm(FlaskForm):
    email = EmailField("New email address", validators=EMAIL, filters=[_strip])
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", validators=DISPLAY_NAME)
    bio = TextAreaField(
        "About you",
        validators=[Optional(), Length(max=500, message="Keep this to 500 characters.")],
    )
