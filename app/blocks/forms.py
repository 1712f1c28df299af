"""Forms for blocking."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.forms import Form


class BlockForm(Form):
    handle = StringField("Handle", validators=[DataRequired("Enter a handle."), Length(max=31)])
