"""The search box. A GET form: nothing changes, so no CSRF token, and no cookie for it."""

from __future__ import annotations

from wtforms import RadioField, SearchField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from app.forms import Form
from app.search.query import QUERY_MAX

ORDER_CHOICES = [
    SelectChoice("new", "Newest first"),
    SelectChoice("best", "Best match first"),
]
EVERYWHERE = SelectChoice("", "In every group you can read")


class SearchForm(Form):
    class Meta(Form.Meta):
        csrf = False

    q = SearchField(
        "Words to find",
        validators=[Length(max=QUERY_MAX, message=f"Keep your search to {QUERY_MAX} characters.")],
    )
    group = RadioField("Where", choices=[EVERYWHERE], default="")
    order = RadioField("Order", choices=ORDER_CHOICES, default="new")
