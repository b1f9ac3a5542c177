"""Personal data: what we hold on a person (to download), and erasing it.

Erasing keeps every contribution, vote, support and membership (so counts and results stay exactly
the same) and removes what identifies the person: name, email, password, language, sign-in links.
The unit is kept: contributions record their unit anyway, and the statistics by unit must not
change. Anonymous answers have no link to anyone, so nothing about them can be found or changed.
"""

from __future__ import annotations

import copy
import hashlib
import hmac

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select
from sqlalchemy.orm.attributes import flag_modified

from .. import audit
from ..auth import sessions
from ..extensions import db
from ..i18n import localize
from ..images.service import idea_pictures
from ..models import (
    Activity,
    Answer,
    AnswerChoice,
    Attribution,
    Comment,
    CommentLike,
    Idea,
    IdeaSupport,
    Membership,
    Note,
    Option,
    ProgrammeSnapshot,
    Quote,
    Report,
    Respondent,
    SigninToken,
    Theme,
    User,
    Workspace,
    utcnow,
)
from ..sanitize import clean_text, html_to_text

# Stored as the name of an erased person; shown translated (see `display_name`).
FORMER_PARTICIPANT = "Former participant"
ERASED_DOMAIN = "invalid"  # RFC 2606: never a real address
NOT_INCLUDED = (
    "Anonymous answers, comments, notes and ideas are stored with no link to you: nobody, "
    "administrators included, can tell which are yours, so they cannot be included here."
)


class Refused(Exception):
    """Erasing is not allowed; `str(error)` says why."""


# --- the email marker -----------------------------------------------------------------------


def email_marker(email: str) -> str:
    """A keyed hash of an address (with the app's secret key): the placeholder of an erased person
    carries it, so the importer can refuse that address without the address being kept."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()[:20]


def placeholder_email(user: User) -> str:
    return f"erased-{user.id}-{email_marker(user.email)}@{ERASED_DOMAIN}"


def erased_emails(emails) -> set[str]:
    """Which of these addresses belonged to someone who was erased (one query)."""
    by_marker = {email_marker(e): e for e in emails}
    if not by_marker:
        return set()
    rows = db.session.scalars(
        select(User.email).where(User.erased_at.is_not(None), User.email.like(f"erased-%@{ERASED_DOMAIN}"))
    )
    found = set()
    for stored in rows:
        marker = stored.rsplit("@", 1)[0].rsplit("-", 1)[-1]
        if marker in by_marker:
            found.add(by_marker[marker])
    return found


# --- showing a person -----------------------------------------------------------------------


def display_name(user: User | None) -> str:
    """The name to show for a person: "Former participant" (translated) once erased."""
    if user is None:
        return ""
    if user.erased_at is not None:
        return _("Former participant")
    return user.name


# --- the download ---------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def personal_data(user: User) -> dict:
    """Everything stored with a link to the person, as plain JSON-able data."""
    memberships = db.session.execute(
        select(Membership, Workspace.slug, Workspace.title)
        .join(Workspace, Workspace.id == Membership.workspace_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.id)
    ).all()
    slugs = dict(db.session.execute(select(Workspace.id, Workspace.slug)).all())
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    ).all()
    notes = db.session.scalars(select(Note).where(Note.author_id == user.id).order_by(Note.id)).all()
    ideas = db.session.scalars(select(Idea).where(Idea.author_id == user.id).order_by(Idea.id)).all()
    pictures = idea_pictures([i.id for i in ideas])  # the pictures they added to them (one statement)
    supports = db.session.execute(
        select(IdeaSupport.created_at, Idea.id, Idea.title, Idea.workspace_id)
        .join(Idea, Idea.id == IdeaSupport.idea_id)
        .where(IdeaSupport.user_id == user.id)
        .order_by(Idea.id)
    ).all()
    likes = db.session.execute(
        select(CommentLike.created_at, CommentLike.comment_id, Comment.workspace_id)
        .join(Comment, Comment.id == CommentLike.comment_id)
        .where(CommentLike.user_id == user.id)
        .order_by(CommentLike.comment_id)
    ).all()
    reports = db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.id)
    ).all()
    answered = db.session.execute(
        select(Respondent, Activity.title, Activity.is_anonymous, Theme.workspace_id)
        .join(Activity, Activity.id == Respondent.activity_id)
        .join(Theme, Theme.id == Activity.theme_id)
        .where(Respondent.user_id == user.id)
        .order_by(Respondent.activity_id)
    ).all()
    # Only named answers lead from the person to the answer (Respondent.answer_key).
    keys = [r.answer_key for r, *_rest in answered if r.answer_key and not _rest[1]]
    answers = {}
    if keys:
        for key, scale, label in db.session.execute(
            select(Answer.key, Answer.scale_value, Option.label)
            .outerjoin(AnswerChoice, AnswerChoice.answer_key == Answer.key)
            .outerjoin(Option, Option.id == AnswerChoice.option_id)
            .where(Answer.key.in_(keys))
        ):
            entry = answers.setdefault(key, {"scale_value": scale, "choices": []})
            if label is not None:
                entry["choices"].append(localize(label))
    return {
        "format": "ideaspace-personal-data/1",
        "exported_at": _iso(utcnow()),
        "not_included": NOT_INCLUDED,
        "profile": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": user.role.value,
            "unit": localize(user.unit.name) if user.unit else None,
            "language": user.locale,
            "consents_to_named_quotes": user.consents_to_named_quotes,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "memberships": [
            {
                "workspace": slug,
                "workspace_title": localize(title),
                "role": m.role.value,
                "invited_at": _iso(m.invited_at),
                "first_visit_at": _iso(m.first_visit_at),
                "last_visit_at": _iso(m.last_visit_at),
                "visit_count": m.visit_count,
                "first_contribution_at": _iso(m.first_contribution_at),
            }
            for m, slug, title in memberships
        ],
        "comments": [
            {
                "id": c.id,
                "workspace": slugs.get(c.workspace_id),
                "on": _comment_target(c),
                "reply_to": c.parent_id,
                "for_unit": c.on_behalf_of_unit,
                "text": html_to_text(c.body),
                "created_at": _iso(c.created_at),
                "edited_at": _iso(c.edited_at),
                "withdrawn_at": _iso(c.withdrawn_at),
                "hidden_at": _iso(c.hidden_at),
            }
            for c in comments
        ],
        "notes": [
            {
                "id": n.id,
                "workspace": slugs.get(n.workspace_id),
                "activity": n.activity_id,
                "text": n.text,
                "created_at": _iso(n.created_at),
                "hidden_at": _iso(n.hidden_at),
            }
            for n in notes
        ],
        "ideas": [
            {
                "id": i.id,
                "workspace": slugs.get(i.workspace_id),
                "title": i.title,
                "text": html_to_text(i.body),
                "status": i.status.value,
                "created_at": _iso(i.created_at),
                "hidden_at": _iso(i.hidden_at),
                **({"picture": pictures[i.id]} if i.id in pictures else {}),
            }
            for i in ideas
        ],
        "supports": [
            {"idea": idea_id, "idea_title": title, "workspace": slugs.get(ws_id), "created_at": _iso(at)}
            for at, idea_id, title, ws_id in supports
        ],
        "likes": [
            {"comment": comment_id, "workspace": slugs.get(ws_id), "created_at": _iso(at)}
            for at, comment_id, ws_id in likes
        ],
        "reports": [
            {
                "workspace": slugs.get(r.workspace_id),
                "comment": r.comment_id,
                "note": r.note_id,
                "idea": r.idea_id,
                "reason": r.reason,
                "created_at": _iso(r.created_at),
                "resolved_at": _iso(r.resolved_at),
            }
            for r in reports
        ],
        "answered": [
            {
                "workspace": slugs.get(ws_id),
                "activity": r.activity_id,
                "activity_title": localize(title),
                "anonymous": anonymous,
                "answered_on": _iso(r.answered_on),
                # An anonymous answer is not linked to you: only the fact that you answered is.
                "answer": None if anonymous else answers.get(r.answer_key),
            }
            for r, title, anonymous, ws_id in answered
        ],
    }


def _comment_target(comment: Comment) -> dict:
    for kind in ("theme", "measure", "activity", "idea"):
        target_id = getattr(comment, f"{kind}_id")
        if target_id is not None:
            return {"kind": kind, "id": target_id}
    return {}


# --- erasing --------------------------------------------------------------------------------


def erase(actor: User, user: User, reason: str) -> User:
    """Remove what identifies the person; keep what they contributed, under "Former participant"."""
    reason = clean_text(reason)
    if not reason:
        raise Refused(_("Give a reason."))
    if user.erased_at is not None:
        raise Refused(_("This person has already been erased."))
    if actor is not None and user.id == actor.id:
        raise Refused(_("You cannot erase yourself."))
    old_name = user.name
    user.email = placeholder_email(user)
    user.name = FORMER_PARTICIPANT
    user.password_hash = None
    user.locale = None
    user.consents_to_named_quotes = False
    user.is_active_account = False
    user.last_login_at = None
    user.erased_at = utcnow()
    sessions.end_all(user)  # every session of theirs ends
    db.session.execute(delete(SigninToken).where(SigninToken.user_id == user.id))
    _unname_quotes(user, old_name)
    audit.record(actor, "user.erase", user, reason=reason)
    db.session.flush()
    return user


def _unname_quotes(user: User, old_name: str) -> None:
    """Quotes that named the person say "a supervisor" from now on, in the draft and in the
    published versions too (the name is personal data; the rest of a version stays frozen)."""
    sources = or_(
        Quote.comment_id.in_(select(Comment.id).where(Comment.author_id == user.id)),
        Quote.note_id.in_(select(Note.id).where(Note.author_id == user.id)),
        Quote.idea_id.in_(select(Idea.id).where(Idea.author_id == user.id)),
    )
    quotes = db.session.scalars(select(Quote).where(sources, Quote.attributed_name.is_not(None))).all()
    workspace_ids = {q.workspace_id for q in quotes}
    for quote in quotes:
        quote.attributed_name = None
        if quote.attribution is Attribution.NAME:
            quote.attribution = Attribution.ROLE
    if not workspace_ids or not old_name:
        return
    snapshots = db.session.scalars(
        select(ProgrammeSnapshot).where(ProgrammeSnapshot.workspace_id.in_(workspace_ids))
    ).all()
    for snapshot in snapshots:
        content = copy.deepcopy(snapshot.content or {})
        changed = False
        for language, programme in (content.get("languages") or {}).items():
            with force_locale(language):
                neutral = _("A supervisor")
            changed |= _replace_attribution(programme, old_name, neutral)
        if changed:
            snapshot.content = content
            flag_modified(snapshot, "content")


def _replace_attribution(node, name: str, neutral: str) -> bool:
    changed = False
    if isinstance(node, dict):
        if node.get("attribution") == name:
            node["attribution"] = neutral
            changed = True
        for value in node.values():
            changed |= _replace_attribution(value, name, neutral)
    elif isinstance(node, list):
        for value in node:
            changed |= _replace_attribution(value, name, neutral)
    return changed
