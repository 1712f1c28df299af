"""Forms for asking for a seat, sponsoring, and reviewing requests."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.forms import Form, WholeNumberBetween
from app.seats.services import MAX_SEATS, NOTE_LIMIT


class ApplyForm(Form):
    note = TextAreaField(
        "A note for us (optional)",
        validators=[
            Optional(),
            Length(max=NOTE_LIMIT, message=f"Please keep the note under {NOTE_LIMIT} characters."),
        ],
    )


class WithdrawForm(Form):
    """A bare POST with a CSRF token."""


class SponsorForm(Form):
    seats = IntegerField(
        "Seats",
        default=1,
        validators=[
            InputRequired("Say how many seats."),
            WholeNumberBetween(1, MAX_SEATS, f"Choose between 1 and {MAX_SEATS} seats."),
        ],
    )
    kind = RadioField(
        "How often",
        choices=[
            SelectChoice("once", "Once"),
            SelectChoice("yearly", "Every year"),
            SelectChoice("gift", "As gifts: one claim link per seat, for people you choose"),
        ],
        default="once",
        validators=[InputRequired("Choose once or every year.")],
    )
    public_name = StringField(
        "Name on the sponsor wall (optional)",
        validators=[Optional(), Length(max=80, message="Keep the name to 80 characters.")],
    )
    show_name = BooleanField("Show this name on the public sponsor wall")


class DeclineForm(Form):
    reason = StringField(
        "Reason the applicant will read",
        validators=[
            DataRequired("Say why, in words the applicant will read."),
            Length(max=500, message="Keep the reason to 500 characters."),
        ],
    )


class ApproveForm(Form):
    """A bare POST with a CSRF token."""


class ClaimGiftForm(Form):
    """A bare POST with a CSRF token."""
