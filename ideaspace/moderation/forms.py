"""Forms of moderation: report, hide, restore, dismiss, clear the queue, decide, merge, promote, and the
audit log's filters."""

from __future__ import annotations

from functools import cache

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from ..i18n import localize
from ..inputs import DayField, optional_id
from ..labels import label
from ..models import IdeaStatus
from ..workspaces.forms import measure_form
from . import service
from .auditlog import action_label
from .workflow import PROMOTE_STATUSES


class _ReasonRequired:
    """Check the reason the way the service will (1–500 characters of plain text)."""

    def __call__(self, form, field):
        try:
            service.clean_reason(field.data)
        except service.ModerationError as error:
            raise ValidationError(error.message) from None


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is this inappropriate?"),
        validators=[_ReasonRequired()],
        render_kw={"maxlength": service.REASON_MAX, "rows": 4, "required": True},
    )
    next = HiddenField()


class HideForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for hiding"),
        validators=[_ReasonRequired()],
        render_kw={"maxlength": service.REASON_MAX, "rows": 3, "required": True},
    )
    next = HiddenField()


class OptionalReasonForm(FlaskForm):
    """Restore or dismiss: a reason is welcome in the audit log but not required."""

    reason = TextAreaField(_l("Reason (optional)"), render_kw={"maxlength": service.REASON_MAX, "rows": 2})
    next = HiddenField()

    def validate_reason(self, field):
        if len((field.data or "").strip()) > service.REASON_MAX:
            raise ValidationError(
                gettext("The reason can be at most %(n)d characters long.", n=service.REASON_MAX)
            )


class ClearForm(FlaskForm):
    """The ids the moderator had in front of them when marking the queue as reviewed."""

    comment = IntegerField(validators=[Optional()])
    note = IntegerField(validators=[Optional()])
    idea = IntegerField(validators=[Optional()])


class DecideForm(FlaskForm):
    status = SelectField(_l("New status"), validate_choice=False, id="decide-status")
    reason = TextAreaField(_l("Public reason"), render_kw={"maxlength": 2000, "rows": 3}, id="decide-reason")

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = [s for s in allowed if s is not IdeaStatus.MERGED]
        self.status.choices = [(s.value, label(s)) for s in self.allowed]

    def validate_status(self, field):
        if field.data not in {s.value for s in self.allowed}:
            raise ValidationError(_l("An idea cannot move from this status to that one."))

    def validate_reason(self, field):
        if len((field.data or "").strip()) > 2000:
            raise ValidationError(gettext("The reason can be at most %(n)d characters long.", n=2000))


class MergeForm(FlaskForm):
    merged_into = SelectField(
        _l("Keep this idea"), coerce=optional_id, validate_choice=False, id="merge-into"
    )
    reason = TextAreaField(
        _l("Public reason"), render_kw={"maxlength": 2000, "rows": 3, "required": True}, id="merge-reason"
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidate_ids = {idea.id for idea in candidates}
        # Plain str labels (gettext, not a lazy string): WTForms escapes a str, but trusts anything
        # with __html__, and a LazyString has one, so the title would reach the page as markup.
        self.merged_into.choices = [("", _l("Choose the idea to keep"))] + [
            (idea.id, gettext("No. %(number)d – %(title)s", number=idea.id, title=idea.title))
            for idea in candidates
        ]

    def validate_merged_into(self, field):
        if field.data is None or field.data not in self.candidate_ids:
            raise ValidationError(
                _l("Choose another idea of this workspace that is neither hidden nor merged itself.")
            )

    def validate_reason(self, field):
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(_l("Give the reason that the author and everyone else will see."))
        if len(text) > 2000:
            raise ValidationError(gettext("The reason can be at most %(n)d characters long.", n=2000))


@cache
def promote_form(primary: str):
    """The measure form of the workspace's primary language, with the theme to put the measure in."""

    class PromoteForm(measure_form(primary)):
        theme_id = SelectField(
            _l("Theme"), coerce=optional_id, validators=[InputRequired()], validate_choice=False
        )

        def __init__(self, *args, themes=(), lang="fi", **kwargs):
            super().__init__(*args, **kwargs)
            self.theme_ids = {t.id for t in themes}
            self.theme_id.choices = [(t.id, localize(t.title, lang)) for t in themes]
            self.status.choices = [(s.value, label(s)) for s in PROMOTE_STATUSES]

        def validate_theme_id(self, field):
            if field.data not in self.theme_ids:
                raise ValidationError(_l("Choose one of this workspace's themes."))

        def validate_status(self, field):
            if field.data not in {s.value for s in PROMOTE_STATUSES}:
                raise ValidationError(_l("A new measure is proposed or in the programme."))

    return PromoteForm


class AuditFilterForm(Form):
    """The audit log's filters, read from the query string (a GET form: no CSRF)."""

    actor = SelectField(_l("Who"), coerce=optional_id, validate_choice=False)
    action = SelectField(_l("Action"), validate_choice=False)
    workspace = SelectField(_l("Workspace"), coerce=optional_id, validate_choice=False)
    since = DayField(_l("From"), validators=[Optional()])
    until = DayField(_l("Until"), validators=[Optional()])

    def __init__(self, formdata, *, actors=(), actions=(), workspaces=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.actor.choices = [("", _l("Everyone"))] + [(u.id, u.name) for u in actors]
        self.action.choices = [("", _l("All actions"))] + [(a, action_label(a)) for a in actions]
        self.workspace.choices = [("", _l("All workspaces"))] + [
            (w.id, localize(w.title, w.primary_language) or w.slug) for w in workspaces
        ]

    @staticmethod
    def _check(field, allowed):
        raw = field.raw_data[0] if field.raw_data else ""
        if raw not in ("", None) and (field.data is None or field.data not in allowed):
            raise ValidationError(_l("Choose one of the listed values."))

    def validate_actor(self, field):
        self._check(field, {value for value, _ in self.actor.choices if value != ""})

    def validate_action(self, field):
        self._check(field, {value for value, _ in self.action.choices if value != ""})

    def validate_workspace(self, field):
        self._check(field, {value for value, _ in self.workspace.choices if value != ""})

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date cannot be before the start date."))
