"""The comment form: the same fields for a new comment, a reply and an edit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import ValidationError

from ..inputs import IdField
from . import service


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), render_kw={"maxlength": service.MAX_LENGTH, "rows": 4})
    parent_id = IdField()
    on_behalf = BooleanField(_l("Post on behalf of my unit"))
    next = HiddenField()

    def validate_body(self, field):
        try:
            self.rendered = service.render_body(field.data)
        except service.CommentError as error:
            raise ValidationError(str(error.message)) from None


class LikeForm(FlaskForm):
    # "1" to like, "0" to unlike: the button says what it will do, so a double submit changes nothing.
    liked = HiddenField()
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token and where to come back to."""

    next = HiddenField()
