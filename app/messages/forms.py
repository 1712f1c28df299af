"""One form per direct-message action. Limits come from the services, which check them again."""

from __future__ import annotations

from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.forms import Form
from app.groups.forms import ReasonForm, ReportForm
from app.messages import services

WHO_CHOICES = [
    SelectChoice("groups", "People I share a group with"),
    SelectChoice("all", "Any member"),
]


def _body_field(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired("Write a message."),
            Length(
                max=services.BODY_MAX, message=f"Keep a message to {services.BODY_MAX} characters."
            ),
        ],
    )


class NewConversationForm(Form):
    handle = StringField(
        "To (handle)", validators=[DataRequired("Enter a handle."), Length(max=31)]
    )
    body = _body_field("Message")


class MessageForm(Form):
    body = _body_field("Your message")


class MessageSettingsForm(Form):
    who = RadioField("Who can start a conversation with you", choices=WHO_CHOICES, default="groups")


# A report on a message has the reasons of one on a post, and an admin acting on it gives
# a reason for the site's log as moderators do: the same forms.
__all__ = ["ReasonForm", "ReportForm"]
