"""Form pieces shared by features: text in several languages."""

from __future__ import annotations

from flask_babel import gettext
from wtforms import Form, FormField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from .i18n import LANGUAGE_NAMES
from .models.base import LANGUAGES, LocalizedText
from .sanitize import clean_html, clean_text


def localized_field(
    label: str,
    *,
    max_length: int = 200,
    textarea: bool = False,
    required: bool = True,
    primary: str = "fi",
) -> FormField:
    """A group of inputs, one per language; the primary language is required when `required`.

    `form.<name>.data` is a dict {"fi": ..., "sv": ..., "en": ...}; use `localized_value()` to
    get it cleaned, without empty languages.
    """
    field_class = TextAreaField if textarea else StringField

    def require_primary(form, field):
        if not clean_text(field.data):
            raise ValidationError(
                gettext("Write this at least in %(language)s.", language=LANGUAGE_NAMES[primary])
            )

    class LocalizedForm(Form):
        pass

    for lang in LANGUAGES:
        first = require_primary if (required and lang == primary) else Optional()
        setattr(
            LocalizedForm,
            lang,
            field_class(
                LANGUAGE_NAMES[lang],
                validators=[first, Length(max=max_length)],
                render_kw={"lang": lang},
            ),
        )

    return FormField(LocalizedForm, label=label)


def localized_value(data: dict | None, rich: bool = False) -> LocalizedText:
    """The cleaned text per language, leaving out the languages left empty."""
    clean = clean_html if rich else clean_text
    return {
        lang: clean(value) for lang, value in (data or {}).items() if lang in LANGUAGES and clean_text(value)
    }
