"""Pages everyone may read: the accessibility statement."""

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/accessibility")
def accessibility():
    return render_template(
        "pages/accessibility.html", contact=current_app.config["ACCESSIBILITY_CONTACT"]
    )
