"""A form sent with a stale CSRF token: what was typed comes back, ready to send again.

CSRF tokens live SESSION_MAX_HOURS and belong to the browser session that rendered the form, so a
page left open overnight, or a form sent after signing in again in another tab, is refused. The
refusal is Flask-WTF's `CSRFError` (a 400), raised before any view runs; this one handler answers
it for every route. A normal post gets a page that shows the fields it carried in a fresh form,
with a new token, posting to the same address: one press sends it again, without JavaScript. An
htmx post gets a notice for the page's aria-live region and a new token for the page (app.js puts
it into every form): the text is still in the form it was typed in.

Nothing is echoed for a request that carried no token at all (no form of ours sends one without)
or that a browser says came from another site: sending back what a forged post contained would
turn the refusal into a one-click confirmation of it.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from flask import current_app, make_response, render_template, request
from flask_wtf.csrf import generate_csrf

from ..extensions import htmx
from ..models.base import LANGUAGES
from ..web import safe_next

# Fields never sent back: passwords (they are typed again), and the token that was refused.
SECRET = re.compile(r"password", re.IGNORECASE)
# Hidden by name: where to return, the sudo page's carried form, buttons' state.
CONTROLS = frozenset({"next", "carried", "payload", "liked", "submit"})
# A language suffix of a localized field (title-fi, name-sv): shown with the language's name.
LOCALIZED = re.compile("-({})$".format("|".join(LANGUAGES)))


def _token_sent() -> bool:
    if request.form.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
        return True
    return any(request.headers.get(name) for name in current_app.config["WTF_CSRF_HEADERS"])


def _same_origin() -> bool:
    """Whether the browser says the post came from one of our own pages (absent headers: yes)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    # The host only: behind a TLS proxy without PROXY_FIX the scheme seen here is http.
    return origin is None or urlsplit(origin).netloc == request.host


def _without_secrets(name: str, value: str) -> str | None:
    """The value to send back, or None for a field that must not be echoed."""
    if name == current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") or SECRET.search(name):
        return None
    if name == "carried":  # the sudo page's form carried on: keep it, minus its passwords
        try:
            pairs = json.loads(value)
        except ValueError:
            return None
        if not isinstance(pairs, list):
            return None
        kept = [pair for pair in pairs if isinstance(pair, list) and pair and not SECRET.search(str(pair[0]))]
        return json.dumps(kept)
    return value


def _is_text(name: str, value: str) -> bool:
    """Whether a field holds what a person wrote (shown, editable) rather than a control (hidden).

    The refused request names no form, so this is told from the value: words (a space, a line
    break) or letters beyond ASCII. A one-word ASCII answer stays hidden, and is sent all the same.
    """
    if name in CONTROLS or not value.strip():
        return False
    return any(ch.isspace() for ch in value.strip()) or any(ord(ch) > 127 for ch in value)


def fields() -> tuple[list[dict], list[tuple[str, str]], bool]:
    """The refused post's text fields, its other fields, and whether files were left out."""
    texts, hidden = [], []
    for name, raw in request.form.items(multi=True):
        value = _without_secrets(name, raw)
        if value is None:
            continue
        if _is_text(name, value):
            language = LOCALIZED.search(name)
            texts.append({"name": name, "value": value, "lang": language.group(1) if language else None})
        else:
            hidden.append((name, value))
    files = any(upload.filename for upload in request.files.values())
    return texts, hidden, files


def form_expired(error):
    """The refusal of a stale token: the form again with what was typed, or a notice for htmx."""
    if not _token_sent() or not _same_origin():
        return render_template("errors/error.html", code=400, error=error), 400
    if htmx:
        response = make_response(render_template("auth/_expired.html"), 422)
        # The notice goes to the page's live region, not where the form's answer would have gone;
        # the page's forms take the new token (app.js), so sending again works.
        response.headers.update(
            {
                "HX-Retarget": "#flash",
                "HX-Reswap": "innerHTML",
                "HX-Reselect": "#form-expired",
                "HX-Trigger": json.dumps({"ideaspace:csrf-token": generate_csrf()}),
            }
        )
    else:
        texts, hidden, files = fields()
        back = safe_next(request.referrer and _path(request.referrer), "")
        response = make_response(
            render_template(
                "auth/expired.html",
                action=request.full_path.rstrip("?"),
                texts=texts,
                hidden=hidden,
                files=files,
                back=back,
            ),
            400,
        )
    response.headers["Cache-Control"] = "no-store"  # what was typed stays out of every cache
    return response


def _path(url: str) -> str | None:
    """The path of a referring page of this site (full URL in the header), else None."""
    host = request.host_url
    return "/" + url[len(host) :] if url.startswith(host) else None
