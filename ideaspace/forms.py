"""Form pieces shared by features: text in several languages, single-line text."""

from __future__ import annotations

from flask_babel import gettext
from wtforms import Form, FormField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from . import markdown
from .i18n import LANGUAGE_NAMES
from .models.base import LANGUAGES, LocalizedText
from .sanitize import clean_text


def single_line(form, field) -> None:
    """A validator: titles, names and labels are one line (they become mail subjects and table cells).

    A text input never sends a line break; one that arrives was typed elsewhere or forged.
    """
    values = field.data.values() if isinstance(field.data, dict) else [field.data]
    if any("\n" in clean_text(value) for value in values if isinstance(value, str)):
        raise ValidationError(gettext("Write this on one line."))


# What the toolbar (static/js/markdown.js) looks for, and the help line the template shows.
MARKDOWN_ATTRS = {"data-markdown": "", "rows": 8}


def renders_as_markdown(form, field) -> None:
    """A validator: the Markdown renders within its bounds (nesting, links, length)."""
    try:
        markdown.render(field.data)
    except markdown.MarkdownError as error:
        raise ValidationError(str(error)) from None


class MarkdownField(TextAreaField):
    """A textarea of Markdown, filled with the stored source (`markdown.editable`), never the HTML."""

    def __init__(self, *args, validators=(), **kwargs):
        super().__init__(*args, validators=[*validators, renders_as_markdown], **kwargs)


def localized_field(
    label: str,
    *,
    max_length: int = 200,
    textarea: bool = False,
    rich: bool = False,
    required: bool = True,
    primary: str = "fi",
) -> FormField:
    """A group of inputs, one per language; the primary language is required when `required`.
    Without `textarea`, each is single-line text (a line break is an error). With `rich`, each is a
    Markdown textarea (`MarkdownField`): fill it with the sources (`markdown.editable_localized`); it
    refuses a bomb.

    `form.<name>.data` is a dict {"fi": ..., "sv": ..., "en": ...}; use `localized_value()` to
    get it cleaned, without empty languages.
    """
    field_class = MarkdownField if rich else TextAreaField if textarea else StringField

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
                validators=[first, Length(max=max_length)] + ([] if textarea or rich else [single_line]),
                # maxlength here asks macros.field for a counter instead of the browser's cut.
                render_kw={"lang": lang, "maxlength": max_length, **(MARKDOWN_ATTRS if rich else {})},
            ),
        )

    return FormField(LocalizedForm, label=label)


def localized_value(data: dict | None, rich: bool = False) -> LocalizedText:
    """The cleaned text per language, leaving out the languages left empty; with `rich`, the HTML
    rendered from it (without, for a Markdown field: its source, to store beside the HTML)."""
    clean = markdown.render if rich else clean_text
    return {
        lang: clean(value) for lang, value in (data or {}).items() if lang in LANGUAGES and clean_text(value)
    }
