"""Forms of a live workshop: start a session, join it, pace it, post a note, decide a held note."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import single_line
from ..inputs import parse_id
from ..labels import options
from ..notes.service import MAX_LENGTH
from .service import ACTIONS, NAME_MAX


def _ids(values) -> list[int]:
    return [i for i in (parse_id(v) for v in values or []) if i is not None]


class StartForm(FlaskForm):
    activities = SelectMultipleField(_l("Activities to run"), coerce=str, validate_choice=False)
    unit = SelectField(_l("The unit the session is for"), coerce=str, validate_choice=False)
    language = SelectField(
        _l("Language of the session"),
        choices=options([("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")]),
    )
    premoderate = BooleanField(_l("Hold guests' notes for my approval before they reach the big screen"))

    @property
    def activity_ids(self) -> list[int]:
        return _ids(self.activities.data)

    @property
    def unit_id(self) -> int | None:
        return parse_id(self.unit.data)


class JoinForm(FlaskForm):
    code = StringField(
        _l("Session code"),
        validators=[DataRequired(_l("Type the code shown on the screen.")), Length(max=40), single_line],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    name = StringField(
        _l("Your name (optional, shown only with your notes on named activities)"),
        validators=[Optional(), Length(max=NAME_MAX), single_line],
        render_kw={"autocomplete": "nickname", "maxlength": NAME_MAX},
    )


class PaceForm(FlaskForm):
    action = SelectField(choices=options([(a, a) for a in ACTIONS]), validators=[DataRequired()])


class GuestNoteForm(FlaskForm):
    text = TextAreaField(
        _l("Your note"),
        validators=[DataRequired(_l("Write a note before posting.")), Length(max=4 * MAX_LENGTH)],
        render_kw={"maxlength": MAX_LENGTH, "rows": 3},
    )


class DecideForm(FlaskForm):
    decision = SelectField(
        choices=options([("approve", "approve"), ("reject", "reject")]), validators=[DataRequired()]
    )
