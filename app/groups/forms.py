"""One form per group action. Limits come from the services, which check them again."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.forms import Form
from app.groups import moderation, services
from app.groups.models import REPORT_REASONS, ROLES

VISIBILITY_CHOICES = [
    SelectChoice("public", "Public: anyone can read it, also without an account"),
    SelectChoice("members", "Members: anyone signed in can read it"),
    SelectChoice("private", "Private: only its members know it exists"),
]
JOIN_POLICY_CHOICES = [
    SelectChoice("open", "Open: anyone can join with one click"),
    SelectChoice("request", "On request: hosts approve or decline"),
    SelectChoice("invite", "By invitation: hosts invite people by handle"),
]
ROLE_CHOICES = [SelectChoice(role, role.title()) for role in ROLES]


def _required(message: str, maximum: int) -> list:
    too_long = f"Keep this to {maximum} characters."
    return [DataRequired(message), Length(max=maximum, message=too_long)]


class GroupSettingsForm(Form):
    name = StringField("Name", validators=_required("Give the group a name.", services.NAME_MAX))
    purpose = StringField(
        "Purpose",
        validators=_required("Say in a sentence what the group is for.", services.PURPOSE_MAX),
    )
    description = TextAreaField(
        "Description (optional)",
        validators=[Optional(), Length(max=services.DESCRIPTION_MAX)],
    )
    visibility = RadioField("Who can read it", choices=VISIBILITY_CHOICES, default="public")
    join_policy = RadioField("How people join", choices=JOIN_POLICY_CHOICES, default="open")


class EditGroupForm(GroupSettingsForm):
    hold_first_posts = BooleanField("Hold each person's first post here for a moderator to approve")
    log_names_moderators = BooleanField(
        "Name the moderator who acted in the public moderation log (otherwise it names the group)"
    )


class RulesForm(Form):
    rules = TextAreaField("Rules, one a line", validators=[Optional(), Length(max=5000)])
    block = TextAreaField(
        "Refuse posts holding these words, one a line", validators=[Optional(), Length(max=11000)]
    )
    hold = TextAreaField(
        "Hold posts holding these words for a moderator, one a line",
        validators=[Optional(), Length(max=11000)],
    )


class CreateGroupForm(GroupSettingsForm):
    slug = StringField(
        "Web address", validators=[DataRequired("Choose a web address."), Length(max=50)]
    )


class ThreadForm(Form):
    title = StringField(
        "Title", validators=_required("Give the thread a title.", services.TITLE_MAX)
    )
    body = TextAreaField(
        "First post", validators=_required("Write the first post.", services.BODY_MAX)
    )


class ReplyForm(Form):
    body = TextAreaField("Your reply", validators=_required("Write your reply.", services.BODY_MAX))


class EditPostForm(Form):
    body = TextAreaField("Post", validators=_required("A post can't be empty.", services.BODY_MAX))


class EditOpeningPostForm(EditPostForm):
    """A thread's first post carries the thread's title too."""

    title = StringField(
        "Title", validators=_required("Give the thread a title.", services.TITLE_MAX)
    )


class ActionForm(Form):
    """A bare POST with a CSRF token (join, leave, delete, accept)."""


class JoinRequestForm(Form):
    message = TextAreaField(
        "A note to the hosts (optional)",
        validators=[Optional(), Length(max=services.MESSAGE_MAX)],
    )


class DecideRequestForm(Form):
    decision = HiddenField(validators=[DataRequired()])
    response = StringField(
        "Message to them (optional)", validators=[Optional(), Length(max=services.MESSAGE_MAX)]
    )


class InviteForm(Form):
    handle = StringField("Handle", validators=[DataRequired("Enter a handle."), Length(max=31)])


class RoleForm(Form):
    role = SelectField("Role", choices=ROLE_CHOICES)


class ReasonForm(Form):
    reason = TextAreaField(
        "Reason (shown in the moderation log)",
        validators=_required(
            "Say why: the reason goes in the moderation log.", moderation.REASON_MAX
        ),
    )


NO_RULE = "No rule: the reason says why"


class ModerationForm(Form):
    """A moderation action: the group rule it applies, or a free reason, or both."""

    rule = SelectField("Rule applied", coerce=int, default=0, choices=[SelectChoice(0, NO_RULE)])
    reason = TextAreaField(
        "Reason (shown in the moderation log)",
        validators=[Optional(), Length(max=moderation.REASON_MAX)],
    )

    def with_rules(self, rules) -> ModerationForm:
        self.rule.choices = [SelectChoice(0, NO_RULE)] + [
            SelectChoice(rule.id, f"{rule.position}. {rule.text}") for rule in rules
        ]
        return self


class BanForm(ModerationForm):
    handle = StringField("Handle", validators=[DataRequired("Enter a handle."), Length(max=31)])


class AppealForm(Form):
    text = TextAreaField(
        "Why should this be undone?",
        validators=_required("Say why the action should be undone.", 2000),
    )


class DecideAppealForm(Form):
    outcome = RadioField(
        "Decision",
        choices=[
            SelectChoice("uphold", "Uphold: the action stands"),
            SelectChoice("overturn", "Overturn: undo the action"),
        ],
        validators=[DataRequired("Choose to uphold or overturn.")],
    )
    decision = TextAreaField(
        "Why (shown in the moderation log and to the person)",
        validators=_required("Say why: the decision goes in the moderation log.", 1000),
    )


class ReportForm(Form):
    reason = RadioField(
        "What is wrong",
        choices=[SelectChoice(key, label) for key, label in REPORT_REASONS.items()],
        validators=[DataRequired("Choose a reason.")],
    )
    details = TextAreaField(
        "Details (optional, needed for Other)",
        validators=[Optional(), Length(max=moderation.DETAILS_MAX)],
    )
