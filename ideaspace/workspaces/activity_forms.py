"""The activity form: kind, rules, and its options edited in place (rows added by a submit, no JS)."""

from __future__ import annotations

from functools import cache

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from ..forms import localized_field, localized_value
from ..i18n import LANGUAGE_NAMES
from ..inputs import optional_id, parse_id
from ..models import ActivityKind, ActivityStatus, ResultsVisibility
from ..sanitize import clean_text
from .forms import ManageForm, _enum_select

BLANK_OPTION_ROWS = 2


class OptionForm(Form):
    id = HiddenField()
    label = localized_field(_l("Label"), required=False, max_length=300)
    measure_id = SelectField(_l("Measure it votes on"), coerce=optional_id, validate_choice=False)
    remove = BooleanField(_l("Remove this option"))

    def option_id(self) -> int | None:
        if not self.id.data:
            return None
        return parse_id(self.id.data) or -1  # a tampered id: matches no option, so the view answers 404

    def is_blank(self) -> bool:
        return self.option_id() is None and not self.measure_id.data and not localized_value(self.label.data)


@cache
def activity_form(primary: str) -> type[ManageForm]:
    class ActivityForm(ManageForm):
        kind = _enum_select(_l("Kind"), ActivityKind, default=ActivityKind.DISCUSSION.value)
        title = localized_field(_l("Title"), max_length=200, primary=primary)
        prompt = localized_field(
            _l("Question or instructions"), rich=True, required=False, max_length=5000
        )
        status = _enum_select(_l("Status"), ActivityStatus, default=ActivityStatus.DRAFT.value)
        is_anonymous = BooleanField(_l("Anonymous: answers are stored without who gave them"))
        results_visibility = _enum_select(
            _l("Results are visible"), ResultsVisibility, default=ResultsVisibility.AFTER_ANSWERING.value
        )
        answers_changeable = BooleanField(
            _l("Answers can be changed while the activity is open"), default=True
        )
        max_selections = IntegerField(
            _l("Maximum number of selections"),
            validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Use a number of at least 1."))],
        )
        options = FieldList(FormField(OptionForm), label=_l("Option"))

        def __init__(self, *args, measure_choices=(), **kw):
            super().__init__(*args, **kw)
            self.option_errors: list[str] = []
            self.measure_choices = [("", _l("– no measure –")), *measure_choices]
            self.measure_ids = {value for value, _label in measure_choices}
            self._set_choices()

        def _set_choices(self):
            for entry in self.options:
                entry.form.measure_id.choices = self.measure_choices

        def add_blank_rows(self, count: int = BLANK_OPTION_ROWS) -> None:
            for _ in range(count):
                self.options.append_entry()
            self._set_choices()

        def kept_options(self) -> list[OptionForm]:
            """The rows that stay: not blank and not marked for removal."""
            return [e.form for e in self.options if not e.form.is_blank() and not e.form.remove.data]

        def validate(self, extra_validators=None) -> bool:
            ok = super().validate(extra_validators)
            kind = ActivityKind(self.kind.data) if self.kind.data in ActivityKind._value2member_map_ else None
            kept = self.kept_options()
            for entry in self.options:
                row = entry.form
                if row.is_blank() or row.remove.data:
                    continue
                if row.measure_id.data is not None and row.measure_id.data not in self.measure_ids:
                    row.measure_id.errors.append(_l("Choose a measure of this workspace."))
                    ok = False
                if not row.measure_id.data and not clean_text((row.label.data or {}).get(primary)):
                    row.label[primary].errors.append(
                        gettext(
                            "Write the option at least in %(language)s, or choose a measure.",
                            language=LANGUAGE_NAMES[primary],
                        )
                    )
                    ok = False
            if kind is not None and kind.is_poll and len(kept) < 2:
                self.option_errors.append(_l("A poll needs at least two options."))
                ok = False
            if kind is not None and not kind.is_poll and kept:
                self.option_errors.append(
                    _l("Only single- and multiple-choice polls have options: remove them, or choose a poll.")
                )
                ok = False
            if kind is ActivityKind.MULTIPLE_CHOICE and self.max_selections.data and kept:
                if self.max_selections.data > len(kept):
                    self.max_selections.errors.append(
                        gettext("At most %(count)d: the poll has %(count)d options.", count=len(kept))
                    )
                    ok = False
            return ok

        def values(self) -> dict:
            kind = ActivityKind(self.kind.data)
            return {
                "kind": kind,
                "title": localized_value(self.title.data),
                "prompt": localized_value(self.prompt.data, rich=True),
                "prompt_source": localized_value(self.prompt.data),
                "status": ActivityStatus(self.status.data),
                "is_anonymous": bool(self.is_anonymous.data),
                "results_visibility": ResultsVisibility(self.results_visibility.data),
                "answers_changeable": bool(self.answers_changeable.data),
                "max_selections": self.max_selections.data if kind is ActivityKind.MULTIPLE_CHOICE else None,
                "options": [
                    {
                        "id": row.option_id(),
                        "label": localized_value(row.label.data),
                        "measure_id": row.measure_id.data,
                    }
                    for row in self.kept_options()
                ],
            }

        def submitted_option_ids(self) -> set[int]:
            return {e.form.option_id() for e in self.options if e.form.option_id() is not None}

    return ActivityForm
