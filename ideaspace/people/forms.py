from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import HiddenField
from wtforms.validators import DataRequired

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class UploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file to import.")),
            FileAllowed(["csv"], _l("The file must be a .csv file.")),
            FileSize(max_size=MAX_UPLOAD_BYTES, message=_l("The file is larger than 2 MB.")),
        ],
        render_kw={"accept": ".csv,text/csv"},
    )


class ConfirmForm(FlaskForm):
    """Carries the checked file from the preview to the import, signed so it cannot be altered."""

    payload = HiddenField(validators=[DataRequired()])
