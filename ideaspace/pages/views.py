"""Pages everyone may read: the accessibility statement; and the icon browsers ask for at /favicon.ico."""

from flask import Blueprint, current_app, redirect, render_template, url_for

bp = Blueprint("pages", __name__)


@bp.get("/accessibility")
def accessibility():
    return render_template(
        "pages/accessibility.html", contact=current_app.config["ACCESSIBILITY_CONTACT"]
    )


@bp.get("/favicon.ico")
def favicon():
    # Browsers and feed readers ask here whatever the page links; the file is static (cached).
    return redirect(url_for("static", filename="favicon.ico"), 301)
