"""Forms of the programme page: results chosen per theme, measure status, publishing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..labels import choices
from ..models import MeasureStatus
from .versions import MAX_NOTE


class ResultsForm(FlaskForm):
    """Which poll and scale activities of a theme have their results in the programme."""

    activity_id = SelectMultipleField(
        _l("Results in the programme"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )


class MeasureStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=choices(MeasureStatus), validators=[InputRequired()])


class PublishForm(FlaskForm):
    note = TextAreaField(
        _l("Note on this version (optional)"),
        validators=[Length(max=MAX_NOTE)],
        description=_l("For example what changed, or for which meeting it was published."),
    )
