"""One form per direct-message action. Limits come from the services, which check them again.

Reporting a message and an admin's reason for acting on it use the groups' forms
(``ReportForm``, ``ReasonForm``): the same reasons and rules as for posts."""

from __future__ import annotations

from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.forms import Form
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
