"""One form per account action. Field rules shared with the services come from there."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.accounts.services import PASSWORD_MAX_LENGTH, handle_problem
from app.forms import Form
from app.input import is_text
from app.times import is_zone


def _valid_handle(form: Form, field: StringField) -> None:
    if field.data and (problem := handle_problem(field.data.strip())):
        raise ValidationError(problem)


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


def _text_or_nothing(value: str | None) -> str | None:
    """Where to go after logging in is only a hint: one that is not text is dropped."""
    return value if value and is_text(value) else None


EMAIL = [
    DataRequired("Enter your email address."),
    Email("Enter an email address like name@example.org."),
    Length(max=254),
]
DISPLAY_NAME = [Optional(), Length(max=50, message="Keep your display name to 50 characters.")]


class SignupForm(Form):
    email = EmailField("Email address", validators=EMAIL, filters=[_strip])
    handle = StringField(
        "Handle", validators=[DataRequired("Choose a handle."), Length(max=30), _valid_handle]
    )
    display_name = StringField("Display name (optional)", validators=DISPLAY_NAME)
    password = PasswordField(
        "Password",
        validators=[DataRequired("Choose a password."), Length(max=PASSWORD_MAX_LENGTH)],
    )
    # People leave it empty (it is hidden from sight and from the tab order, and labelled
    # for screen readers); bots fill in every field. Checked by services.check_signup_pace.
    website = StringField("Leave this field empty", validators=[Optional()])
    # A signed note of when the form was shown (services.signup_form_token).
    started = HiddenField()


class LoginForm(Form):
    identifier = StringField(
        "Email address or handle",
        validators=[DataRequired("Enter your email address or handle."), Length(max=254)],
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device for 30 days")
    next = HiddenField(filters=[_text_or_nothing])


class ResendVerificationForm(Form):
    email = EmailField("Email address", validators=EMAIL, filters=[_strip])


class ConfirmForm(Form):
    """A bare POST with a CSRF token, for confirming links opened from mail."""


class RequestResetForm(Form):
    email = EmailField("Email address", validators=EMAIL, filters=[_strip])


class ResetPasswordForm(Form):
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), Length(max=PASSWORD_MAX_LENGTH)],
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), Length(max=PASSWORD_MAX_LENGTH)],
    )


class ChangeEmailForm(Form):
    email = EmailField("New email address", validators=EMAIL, filters=[_strip])
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])


def _known_zone(form: Form, field: StringField) -> None:
    if field.data and not is_zone(field.data):
        raise ValidationError(
            "That is not a time zone we know. Use a name like Europe/Berlin, "
            "America/New_York or UTC."
        )


class ProfileForm(Form):
    display_name = StringField("Display name", validators=DISPLAY_NAME)
    bio = TextAreaField(
        "About you",
        validators=[Optional(), Length(max=500, message="Keep this to 500 characters.")],
    )
    time_zone = StringField(
        "Time zone",
        # Left empty, times are shown in UTC.
        validators=[_known_zone],
        filters=[_strip],
        default="UTC",
    )


class DeleteAccountForm(Form):
    posts = RadioField(
        "What happens to your posts and threads?",
        choices=[
            SelectChoice("erase", "Erase them: their text goes; others' replies stay in order"),
            SelectChoice("keep", "Keep them, under “a deleted member”"),
        ],
        validators=[DataRequired("Choose what happens to your posts.")],
    )
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])


# Two-factor sign-in -------------------------------------------------------------------

CODE = [DataRequired("Enter the code."), Length(max=64, message="That code is too long.")]


class SecondFactorForm(Form):
    """The second step of signing in: a code, or a passkey's answer (filled in by script)."""

    code = StringField("Code", validators=[Optional(), Length(max=64)], filters=[_strip])
    credential = HiddenField(validators=[Optional(), Length(max=20_000)])


class ConfirmAppForm(Form):
    code = StringField("Code from the app", validators=CODE, filters=[_strip])


class AddPasskeyForm(Form):
    name = StringField(
        "Name for this passkey",
        validators=[
            DataRequired("Give the passkey a name, like the device it is on."),
            Length(max=50, message="Keep the name to 50 characters."),
        ],
        filters=[_strip],
    )
    credential = HiddenField(validators=[Optional(), Length(max=20_000)])


class PasswordCheckForm(Form):
    """An action that needs the password again (removing a passkey, new recovery codes)."""

    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])


class SwitchOffTwoFactorForm(Form):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])
    code = StringField("Code from your app, or a recovery code", validators=CODE, filters=[_strip])


# Sessions -----------------------------------------------------------------------------


class DeviceNameForm(Form):
    device_name = StringField(
        "Name this device",
        validators=[Optional(), Length(max=50, message="Keep the device name to 50 characters.")],
        filters=[_strip],
    )
