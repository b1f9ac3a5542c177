"""The brand stylesheet and the logo: public like the static files (the sign-in page wears the
brand too), so no permission to ask."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for

from . import service

bp = Blueprint("design", __name__)


@bp.get("/brand.css")
def brand_css():
    """The brand tokens and the logo; revalidated on every page, so a change shows at once."""
    brand = service.current()
    tag = service.etag(brand)
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        logo = url_for("design.logo", v=brand.logo_version) if brand.logo_version else None
        response = Response(service.stylesheet(brand, logo), mimetype="text/css")
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/brand/logo")
def logo():
    stored = service.logo()
    if stored is None:
        abort(404)
    blob, content_type = stored
    response = Response(blob, mimetype=content_type)
    # The URL carries the version, so a versioned request may be cached for long.
    versioned = request.args.get("v")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response
