"""The forms of exports: bare POSTs with a CSRF token (each export is recorded)."""

from app.forms import Form


class ExportForm(Form):
    """Download my data, or a group's archive."""
