"""Forms for granting and ending complimentary memberships (admins only)."""

from __future__ import annotations

from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import Form


class GrantComplimentaryForm(Form):
    handle = StringField(
        "Handle", validators=[DataRequired("Enter the handle of the account."), Length(max=31)]
    )
    reason = StringField(
        "Reason",
        validators=[
            DataRequired("Say why this membership is complimentary."),
            Length(max=500, message="Keep the reason to 500 characters."),
        ],
    )
    ends_on = DateField(
        "End date (optional)",
        validators=[Optional()],
        format="%Y-%m-%d",
    )


class EndComplimentaryForm(Form):
    """A bare POST with a CSRF token."""
