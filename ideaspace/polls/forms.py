"""The answer form of a poll (one or more options) or a scale (a number 0–10)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField

from ..models import Activity, ActivityKind
from .service import AnswerRefused, check_choice, check_scale


def _as_int(raw) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


class AnswerForm(FlaskForm):
    """Checks the answer with the same rules the service enforces; the messages are the service's."""

    option = SelectMultipleField(_l("Options"), validate_choice=False)
    value = StringField(_l("Your answer from 0 to 10"))

    def __init__(self, activity: Activity, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.activity = activity
        self.option_ids: list[int] = []
        self.scale_value: int | None = None

    @property
    def is_scale(self) -> bool:
        return self.activity.kind is ActivityKind.SCALE

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        target = self.value if self.is_scale else self.option
        try:
            if self.is_scale:
                raw = (self.value.data or "").strip()
                number = _as_int(raw) if raw else None
                if raw and number is None:
                    raise AnswerRefused(_("The answer must be a whole number from 0 to 10."))
                self.scale_value = check_scale(number)
            else:
                # Anything that is not a number cannot be one of the options: -1 never is.
                ids = [_as_int(raw) for raw in (self.option.data or [])]
                self.option_ids = check_choice(self.activity, [i if i is not None else -1 for i in ids])
        except AnswerRefused as refusal:
            target.errors = [*target.errors, str(refusal)]
            return False
        return True

    @property
    def messages(self) -> list[str]:
        return [message for errors in self.errors.values() for message in errors if isinstance(message, str)]

    def submitted(self) -> tuple[set[int], int | None]:
        """What the person chose, to keep it checked when the form comes back with an error."""
        chosen = {i for i in (_as_int(raw) for raw in (self.option.data or [])) if i is not None}
        return chosen, _as_int(self.value.data) if self.value.data else None
