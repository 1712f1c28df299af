"""Admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.admin.services import REASON_MAX


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason (shown in the site's moderation log)",
        validators=[
            DataRequired("Say why: the reason goes in the site's moderation log."),
            Length(max=REASON_MAX, message=f"Keep the reason to {REASON_MAX} characters."),
        ],
    )
