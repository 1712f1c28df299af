"""Forms for notifications: email preferences and confirming an unsubscribe link."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from app.forms import Form
from app.notifications.models import DEFAULT_DELIVERY, DELIVERIES, KINDS

DELIVERY_CHOICES = [SelectChoice(key, label) for key, label in DELIVERIES.items()]


def _delivery(kind: str) -> RadioField:
    return RadioField(KINDS[kind], choices=DELIVERY_CHOICES, default=DEFAULT_DELIVERY[kind])


class NotificationSettingsForm(Form):
    """How each kind of notification is emailed; field names are the kinds."""

    reply = _delivery("reply")
    mention = _delivery("mention")
    message = _delivery("message")
    join_request = _delivery("join_request")
    report = _delivery("report")
    membership = _delivery("membership")
    moderation = _delivery("moderation")

    def choices(self) -> dict[str, str]:
        return {kind: self[kind].data for kind in KINDS}


class UnsubscribeForm(Form):
    """Confirms an unsubscribe link. The link's signed token is the proof, so there is no
    CSRF token and no session: it works signed out, from a mail program too."""

    class Meta:
        csrf = False
