"""Forms of the idea barrel: submit an idea, search the barrel, change an idea's status."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, IntegerField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from ..forms import single_line
from ..inputs import MAX_ID, optional_id, page_number
from ..labels import label, options
from ..models import IdeaStatus
from . import service


class IdeaForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[single_line],
        render_kw={"maxlength": service.TITLE_MAX, "minlength": service.TITLE_MIN, "required": True},
    )
    body = TextAreaField(
        _l("Describe your idea"),
        render_kw={"maxlength": service.BODY_MAX, "rows": 6, "required": True, "data-markdown": ""},
    )
    theme_id = SelectField(_l("Theme (optional)"), coerce=optional_id, validate_choice=False)
    # Set by the idea form on a theme page, so an htmx request gets that page's fragment back.
    activity_id = HiddenField()

    def __init__(self, *args, themes=(), anonymous_theme_ids=frozenset(), lang="fi", **kwargs):
        super().__init__(*args, **kwargs)
        from ..i18n import localize

        self.theme_ids = {theme.id for theme in themes}
        self.theme_id.choices = [("", _l("No particular theme"))] + [
            (
                theme.id,
                localize(theme.title, lang)
                + (" – " + str(_l("anonymous")) if theme.id in anonymous_theme_ids else ""),
            )
            for theme in themes
        ]

    def validate_title(self, field):
        self._check(service.clean_title, field)

    def validate_body(self, field):
        self._check(service.clean_body, field)

    @staticmethod
    def _check(clean, field):
        try:
            clean(field.data)
        except service.IdeaError as error:
            raise ValidationError(error.message) from None

    def validate_theme_id(self, field):
        if field.raw_data and field.raw_data[0] not in ("", None) and field.data not in self.theme_ids:
            raise ValidationError(_l("Choose one of this workspace's themes."))


SORT_CHOICES = options([("newest", _l("Newest first")), ("supported", _l("Most supported first"))])


class BarrelFilterForm(Form):
    """The search, sort and filter controls: a GET form, so it works without JavaScript."""

    q = SearchField(_l("Search ideas"), validators=[Optional(), Length(max=200)])
    sort = SelectField(_l("Sort"), choices=SORT_CHOICES, default="newest", validate_choice=False)
    theme = SelectField(_l("Theme"), coerce=optional_id, validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    page = IntegerField(validators=[Optional(), NumberRange(min=1)])

    def __init__(self, formdata, themes=(), lang="fi", **kwargs):
        super().__init__(formdata, **kwargs)
        from ..i18n import localize

        self.theme.choices = [("", _l("All themes"))] + [(t.id, localize(t.title, lang)) for t in themes]
        self.status.choices = [("", _l("All statuses"))] + [(s.value, label(s)) for s in IdeaStatus]

    @property
    def sort_value(self) -> str:
        return self.sort.data if self.sort.data in service.SORTS else "newest"

    @property
    def status_value(self) -> IdeaStatus | None:
        try:
            return IdeaStatus(self.status.data) if self.status.data else None
        except ValueError:
            return None

    @property
    def page_value(self) -> int:
        return page_number(self.page.raw_data[0] if self.page.raw_data else None)


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validate_choice=False)
    reason = TextAreaField(
        _l("Public reason"),
        validators=[Length(max=2000)],
        render_kw={"maxlength": 2000, "rows": 3},
    )
    merged_into = IntegerField(
        _l("Number of the idea to merge into"),
        validators=[Optional(), NumberRange(min=1, max=MAX_ID)],
    )

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = list(allowed)
        self.status.choices = [(s.value, label(s)) for s in self.allowed]

    def validate_status(self, field):
        if field.data not in {s.value for s in self.allowed}:
            raise ValidationError(_l("An idea cannot move from this status to that one."))
