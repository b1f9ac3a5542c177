"""Forms moderators fill in to build a workspace: its settings, themes, measures, indicators, activities.

Forms whose texts are required in the workspace's primary language are built per language
(`theme_form("sv")`), since `localized_field` fixes the required language when the class is made.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from .. import markdown
from ..anonymity import k_floor
from ..forms import localized_field, localized_value
from ..i18n import LANGUAGE_NAMES
from ..inputs import DayField
from ..labels import choices, options
from ..models import (
    LANGUAGES,
    Comparator,
    MeasureStatus,
    WorkspaceAccess,
    WorkspaceStatus,
)
from ..sanitize import clean_text
from . import manage

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RICH_MAX = 20000
# A workspace opens and closes within this century (a year 1 or 9999 is a typo).
PERIOD_FIRST, PERIOD_LAST = date(2000, 1, 1), date(2100, 12, 31)


class ManageForm(FlaskForm):
    """A form that lists all its errors, nested ones included, for the error summary."""

    def error_items(self) -> list[tuple[str, str, str]]:
        """(input id, label, message) for every error, in the order of the form."""
        items: list[tuple[str, str, str]] = []

        def walk(field, prefix: str) -> None:
            if isinstance(field, FieldList):
                for i, entry in enumerate(field):
                    walk(entry, f"{prefix}{field.label.text} {i + 1} – ")
            elif isinstance(field, FormField):
                for sub in field:
                    walk(sub, f"{prefix}{field.label.text} – ")
            else:
                for message in field.errors:
                    items.append((field.id, f"{prefix}{field.label.text}", str(message)))

        for field in self:
            walk(field, "")
        for message in getattr(self, "option_errors", []):
            items.append(("options", str(_l("Options")), str(message)))
        items.extend(("", "", str(message)) for message in self.form_errors)
        return items

    @property
    def has_errors(self) -> bool:
        return bool(self.error_items())


def _enum_select(label, enum_cls, **kw) -> SelectField:
    return SelectField(label, choices=lambda: choices(enum_cls), **kw)


def _clean_slug(value):
    return clean_text(value).lower() if isinstance(value, str) else value


class LocaleDecimalField(DecimalField):
    """A number written the Finnish way (`84,5`, `1 200`) or the English way (`84.5`)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        raw = raw.replace("\u2212", "-")  # the typographic minus
        if not raw:
            self.data = None
            return
        try:
            self.data = Decimal(raw)
        except InvalidOperation:
            self.data = None
            raise ValueError(self.gettext("Enter a number, such as 84 or 84,5.")) from None
        if not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Enter a number, such as 84 or 84,5."))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format(Decimal(self.data).normalize(), "f")


def _amount(form, field):
    """Fits the column: at most 12 digits before the decimal point and 2 after."""
    if field.data is None:
        return
    if abs(field.data) >= Decimal("1e12"):
        raise ValidationError(_l("The number is too large."))
    if field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError(_l("Use at most two decimals."))


# --- workspaces --------------------------------------------------------------------------------


@cache
def workspace_form(primary: str) -> type[ManageForm]:
    class WorkspaceForm(ManageForm):
        slug = StringField(
            _l("Address (slug)"),
            filters=[_clean_slug],
            validators=[InputRequired(_l("Write an address.")), Length(max=80)],
        )
        primary_language = SelectField(
            _l("Primary language"), choices=options(LANGUAGE_NAMES.items()), default="fi"
        )
        title = localized_field(_l("Title"), max_length=200, primary=primary)
        introduction = localized_field(_l("Introduction"), rich=True, required=False, max_length=RICH_MAX)
        strategy = localized_field(_l("Strategy"), textarea=True, required=False, max_length=2000)
        status = _enum_select(_l("Status"), WorkspaceStatus, default=WorkspaceStatus.DRAFT.value)
        access = _enum_select(_l("Who may take part"), WorkspaceAccess, default=WorkspaceAccess.INVITED.value)
        opens_on = DayField(_l("Opens on"), validators=[Optional()], first=PERIOD_FIRST, last=PERIOD_LAST)
        closes_on = DayField(_l("Closes on"), validators=[Optional()], first=PERIOD_FIRST, last=PERIOD_LAST)
        min_group_size = IntegerField(
            _l("Minimum group size"),
            default=k_floor,
            validators=[
                InputRequired(_l("Write a number.")),
                NumberRange(max=1000, message=_l("Use a number of at most 1000.")),
            ],
        )

        def __init__(self, *args, workspace_id: int | None = None, **kw):
            super().__init__(*args, **kw)
            self.workspace_id = workspace_id
            self.k_floor = k_floor()
            workspace = kw.get("obj")
            if workspace is not None and not self.is_submitted():
                # The Markdown the moderator wrote, not the HTML that `obj` would put in the textarea.
                self.introduction.process(
                    None, markdown.editable_localized(workspace.introduction_source, workspace.introduction)
                )

        def validate_slug(self, field):
            if not SLUG.match(field.data or ""):
                raise ValidationError(
                    _l("Use only lowercase letters a–z, digits and hyphens, such as hr-programme-2025.")
                )
            if manage.slug_taken(field.data, exclude_id=self.workspace_id):
                raise ValidationError(_l("Another workspace already uses this address."))

        def validate_min_group_size(self, field):
            # The floor is read per request: the platform configuration may raise it.
            if field.data is not None and field.data < k_floor():
                raise ValidationError(
                    _(
                        "The minimum group size is at least %(floor)s, so that no answer can be traced "
                        "to a smaller group of people.",
                        floor=k_floor(),
                    )
                )

        def validate_closes_on(self, field):
            if field.data and self.opens_on.data and field.data < self.opens_on.data:
                raise ValidationError(_l("The closing date cannot be before the opening date."))

        def values(self) -> dict:
            return {
                "slug": self.slug.data,
                "title": localized_value(self.title.data),
                "introduction": localized_value(self.introduction.data, rich=True),
                "introduction_source": localized_value(self.introduction.data),
                "strategy": localized_value(self.strategy.data),
                "primary_language": self.primary_language.data,
                "status": WorkspaceStatus(self.status.data),
                "access": WorkspaceAccess(self.access.data),
                "opens_on": self.opens_on.data,
                "closes_on": self.closes_on.data,
                "min_group_size": self.min_group_size.data,
            }

    return WorkspaceForm


def submitted_language(formdata, default: str) -> str:
    """The primary language a workspace form was sent with, which decides the required language."""
    value = formdata.get("primary_language") if formdata else None
    return value if value in LANGUAGES else default


class ModeratorForm(ManageForm):
    user_id = SelectField(_l("Moderator to add"), coerce=int, validate_choice=True)


class MoveForm(ManageForm):
    direction = SelectField(choices=options([("up", _l("Move up")), ("down", _l("Move down"))]))


# --- themes, measures, indicators --------------------------------------------------------------


@cache
def theme_form(primary: str) -> type[ManageForm]:
    class ThemeForm(ManageForm):
        title = localized_field(_l("Title"), max_length=200, primary=primary)
        introduction = localized_field(_l("Introduction"), rich=True, required=False, max_length=RICH_MAX)

        def values(self) -> dict:
            return {
                "title": localized_value(self.title.data),
                "introduction": localized_value(self.introduction.data, rich=True),
                "introduction_source": localized_value(self.introduction.data),
            }

    return ThemeForm


@cache
def measure_form(primary: str) -> type[ManageForm]:
    class MeasureForm(ManageForm):
        goal = localized_field(_l("Goal"), textarea=True, required=False, max_length=1000)
        text = localized_field(_l("Measure"), textarea=True, max_length=2000, primary=primary)
        schedule = localized_field(_l("Schedule"), required=False, max_length=200)
        responsible = localized_field(_l("Responsible"), required=False, max_length=300)
        status = _enum_select(_l("Status"), MeasureStatus, default=MeasureStatus.IN_PROGRAMME.value)

        def values(self) -> dict:
            return {
                "goal": localized_value(self.goal.data),
                "text": localized_value(self.text.data),
                "schedule": localized_value(self.schedule.data),
                "responsible": localized_value(self.responsible.data),
                "status": MeasureStatus(self.status.data),
            }

    return MeasureForm


@cache
def indicator_form(primary: str) -> type[ManageForm]:
    class IndicatorForm(ManageForm):
        description = localized_field(_l("Description"), max_length=500, primary=primary)
        unit_of_measure = localized_field(_l("Unit of measure"), required=False, max_length=50)
        baseline_year = IntegerField(
            _l("Baseline year"),
            validators=[
                Optional(),
                NumberRange(min=1900, max=2100, message=_l("Use a year from 1900 to 2100.")),
            ],
        )
        baseline_value = LocaleDecimalField(_l("Baseline value"), validators=[Optional(), _amount])
        baseline_source = localized_field(_l("Source of the baseline"), required=False, max_length=300)
        comparator = SelectField(
            _l("Target comparator"),
            choices=lambda: options(
                (c.value, c.label if c.value == Comparator.QUALITATIVE.value else f"{c.value} ({c.label})")
                for c in choices(Comparator)
            ),
            default=Comparator.GT.value,
        )
        target_value = LocaleDecimalField(_l("Target value"), validators=[Optional(), _amount])
        target_text = localized_field(_l("Target in words"), required=False, max_length=500)

        def validate(self, extra_validators=None) -> bool:
            # Here rather than in validate_target_value: Optional() stops that chain on an empty value.
            ok = super().validate(extra_validators)
            field = self.target_value
            qualitative = self.comparator.data == Comparator.QUALITATIVE.value
            if field.errors:
                return False
            if not qualitative and field.data is None:
                field.errors.append(_l("Write the target value, or choose a qualitative target."))
                return False
            if qualitative and field.data is not None:
                field.errors.append(
                    _l("A qualitative target has no value: leave it empty and describe the target in words.")
                )
                return False
            return ok

        def values(self) -> dict:
            return {
                "description": localized_value(self.description.data),
                "unit_of_measure": localized_value(self.unit_of_measure.data),
                "baseline_year": self.baseline_year.data,
                "baseline_value": self.baseline_value.data,
                "baseline_source": localized_value(self.baseline_source.data),
                "comparator": Comparator(self.comparator.data),
                "target_value": self.target_value.data,
                "target_text": localized_value(self.target_text.data),
            }

    return IndicatorForm
