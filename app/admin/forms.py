"""Admin forms."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.admin.services import REASON_MAX
from app.forms import Form


class ReasonForm(Form):
    reason = TextAreaField(
        "Reason (shown in the site's moderation log)",
        validators=[
            DataRequired("Say why: the reason goes in the site's moderation log."),
            Length(max=REASON_MAX, message=f"Keep the reason to {REASON_MAX} characters."),
        ],
    )
