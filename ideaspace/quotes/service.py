"""Pick, edit, order and remove the quotes of a workspace's programme.

Rules:
- The source is a visible (not hidden, not withdrawn) comment, note or idea of the same workspace.
- The quote is the source's whole visible text or one contiguous excerpt of it (whitespace
  aside): a quote never puts words in someone's mouth. Shortening is done by choosing the excerpt.
- Attribution: "a supervisor" always; "a supervisor, <unit>" only when the source records a unit
  (anonymous content records one only when the unit is big enough to hide in), the unit's name
  frozen as text; the author's name only when the source has an author who agreed in the app.
  The programme checks the consent again when it is built, so a withdrawn consent (or an erased
  person) turns the name back into "a supervisor" in every later draft and version.
Every change is written to the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from .. import audit
from ..extensions import db
from ..i18n import localize
from ..models import (
    LANGUAGES,
    Activity,
    ActivityStatus,
    Attribution,
    Comment,
    Idea,
    IdeaStatus,
    Measure,
    Note,
    Quote,
    Theme,
    Unit,
    User,
    Workspace,
)
from ..programme.left_out import LeftOut
from ..sanitize import clean_text, html_to_text

SOURCE_KINDS = ("comment", "note", "idea")
MAX_EXCERPT = 2000
_SPACE = re.compile(r"\s+")


class Refused(Exception):
    """The rules do not allow this; `str(error)` says why, in the reader's language."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalize(text: str) -> str:
    """Whitespace folded to single spaces, trimmed: line breaks do not make an excerpt differ."""
    return _SPACE.sub(" ", clean_text(text)).strip()


# --- sources ---------------------------------------------------------------------------------


@dataclass
class Source:
    """A comment, note or idea as a quote sees it."""

    kind: str
    obj: Comment | Note | Idea
    text: str  # the visible text, whitespace folded
    theme_id: int | None  # the theme it belongs to, when there is one
    author: User | None
    unit: Unit | None

    @property
    def id(self) -> int:
        return self.obj.id

    @property
    def is_anonymous(self) -> bool:
        return self.obj.author_id is None

    @property
    def is_visible(self) -> bool:
        if self.obj.hidden_at is not None:
            return False
        return not (isinstance(self.obj, Comment) and self.obj.withdrawn_at is not None)

    def may_name(self) -> bool:
        """The author agreed that their name may be shown under a quote."""
        author = self.author
        return author is not None and author.consents_to_named_quotes and author.erased_at is None


def get_source(workspace: Workspace, kind: str, source_id: int) -> Source:
    """The comment, note or idea of this workspace, or 404 (another workspace's id leads nowhere)."""
    model = {"comment": Comment, "note": Note, "idea": Idea}.get(kind)
    if model is None:
        abort(404)
    obj = db.session.scalar(select(model).where(model.id == source_id, model.workspace_id == workspace.id))
    if obj is None:
        abort(404)
    return _source(kind, obj)


def _source(kind: str, obj) -> Source:
    if kind == "comment":
        text = html_to_text(obj.body)
        theme_id = _comment_theme(obj)
    elif kind == "note":
        text = obj.text
        theme_id = db.session.scalar(select(Activity.theme_id).where(Activity.id == obj.activity_id))
    else:
        text = html_to_text(obj.body)
        theme_id = obj.theme_id
    author = db.session.get(User, obj.author_id) if obj.author_id else None
    unit = db.session.get(Unit, obj.unit_id) if obj.unit_id else None
    return Source(kind, obj, normalize(text), theme_id, author, unit)


def _comment_theme(comment: Comment) -> int | None:
    if comment.parent_id is not None:
        parent = db.session.get(Comment, comment.parent_id)
        if parent is not None:
            return _comment_theme(parent)
    if comment.theme_id:
        return comment.theme_id
    if comment.measure_id:
        return db.session.scalar(select(Measure.theme_id).where(Measure.id == comment.measure_id))
    if comment.activity_id:
        return db.session.scalar(select(Activity.theme_id).where(Activity.id == comment.activity_id))
    if comment.idea_id:
        return db.session.scalar(select(Idea.theme_id).where(Idea.id == comment.idea_id))
    return None


def source_of(quote: Quote) -> Source | None:
    """The quote's source, if it still exists."""
    for kind in SOURCE_KINDS:
        source_id = getattr(quote, f"{kind}_id")
        if source_id is not None:
            obj = db.session.get({"comment": Comment, "note": Note, "idea": Idea}[kind], source_id)
            return _source(kind, obj) if obj is not None else None
    return None


# --- validation ------------------------------------------------------------------------------


def checked_excerpt(source: Source, excerpt: str | None) -> str:
    """The excerpt, trimmed; the whole text when left empty. Refused unless it is a contiguous
    part of the source's visible text."""
    excerpt = normalize(excerpt or "") or source.text
    if not excerpt:
        raise Refused(_("The source has no text to quote."), "excerpt")
    if len(excerpt) > MAX_EXCERPT:
        raise Refused(_("A quote can be at most %(max)d characters long.", max=MAX_EXCERPT), "excerpt")
    if excerpt not in source.text:
        raise Refused(
            _("The excerpt must be copied word for word from the original text, in one piece."), "excerpt"
        )
    return excerpt


def checked_attribution(source: Source | None, attribution: str, language: str) -> dict:
    """The attribution and the texts frozen with it; refused when the source does not allow it."""
    try:
        attribution = Attribution(attribution)
    except ValueError:
        raise Refused(_("Choose how the quote is attributed."), "attribution") from None
    values = {"attribution": attribution, "attributed_unit": None, "attributed_name": None}
    if attribution is Attribution.ROLE_AND_UNIT:
        if source is None or source.unit is None:
            raise Refused(_("The original text records no unit, so the unit cannot be shown."), "attribution")
        values["attributed_unit"] = localize(source.unit.name, language, language)[:200]
    elif attribution is Attribution.NAME:
        if source is None or source.is_anonymous:
            raise Refused(_("The original text is anonymous: its author cannot be named."), "attribution")
        if not source.may_name():
            raise Refused(
                _("The author has not agreed to be named under quotes, so the name cannot be shown."),
                "attribution",
            )
        values["attributed_name"] = source.author.name
    return values


def _checked_theme(workspace: Workspace, theme_id) -> Theme:
    theme = db.session.scalar(select(Theme).where(Theme.id == theme_id, Theme.workspace_id == workspace.id))
    if theme is None:
        raise Refused(_("Choose a theme of this workspace."), "theme_id")
    return theme


def _checked_language(language: str) -> str:
    if language not in LANGUAGES:
        raise Refused(_("Choose the language the quote is written in."), "language")
    return language


# --- operations ------------------------------------------------------------------------------


def pick(
    actor,
    workspace: Workspace,
    source: Source,
    *,
    theme_id: int,
    excerpt: str | None,
    attribution: str,
    language: str,
) -> Quote:
    """Pick a comment, note or idea (or an excerpt of one) as a quote of a theme, at its end."""
    if not source.is_visible:
        raise Refused(_("Hidden or withdrawn text cannot be quoted."))
    theme = _checked_theme(workspace, theme_id)
    language = _checked_language(language)
    text = checked_excerpt(source, excerpt)
    values = checked_attribution(source, attribution, language)
    position = db.session.scalar(
        select(func.coalesce(func.max(Quote.position) + 1, 0)).where(Quote.theme_id == theme.id)
    )
    quote = Quote(
        workspace_id=workspace.id,
        theme_id=theme.id,
        position=position,
        excerpt=text,
        language=language,
        created_by_id=getattr(actor, "id", None),
        **{f"{source.kind}_id": source.id},
        **values,
    )
    db.session.add(quote)
    db.session.flush()
    audit.record(
        actor,
        "quote.pick",
        quote,
        workspace_id=workspace.id,
        source=f"{source.kind}:{source.id}",
        theme_id=theme.id,
        attribution=quote.attribution.value,
    )
    return quote


def update(actor, quote: Quote, *, excerpt: str | None, attribution: str, language: str) -> list[str]:
    """Change the excerpt (still taken word for word from the source), the attribution or the language."""
    source = source_of(quote)
    language = _checked_language(language)
    if source is None:
        # The original is gone: nothing left to check an excerpt or a unit or a name against.
        if normalize(excerpt or "") not in ("", quote.excerpt):
            raise Refused(
                _("The original text no longer exists, so the excerpt cannot be changed."), "excerpt"
            )
        text = quote.excerpt
        if attribution != quote.attribution.value and attribution != Attribution.ROLE.value:
            raise Refused(
                _("The original text no longer exists: the quote can only be attributed to a supervisor."),
                "attribution",
            )
        values = (
            {
                "attribution": quote.attribution,
                "attributed_unit": quote.attributed_unit,
                "attributed_name": quote.attributed_name,
            }
            if attribution == quote.attribution.value
            else checked_attribution(None, attribution, language)
        )
    else:
        text = checked_excerpt(source, excerpt)
        values = checked_attribution(source, attribution, language)
    changed = []
    for name, value in {"excerpt": text, "language": language, **values}.items():
        if getattr(quote, name) != value:
            setattr(quote, name, value)
            changed.append(name)
    if changed:
        db.session.flush()
        audit.record(actor, "quote.update", quote, workspace_id=quote.workspace_id, changed=changed)
    return changed


def siblings(quote: Quote) -> list[Quote]:
    return list(
        db.session.scalars(
            select(Quote).where(Quote.theme_id == quote.theme_id).order_by(Quote.position, Quote.id)
        )
    )


def move(actor, quote: Quote, direction: str) -> bool:
    """Move a quote one step up or down within its theme; False when already at that end."""
    if direction not in ("up", "down"):
        raise ValueError(direction)
    items = siblings(quote)
    index = items.index(quote)
    target = index - 1 if direction == "up" else index + 1
    moved = 0 <= target < len(items)
    if moved:
        items[index], items[target] = items[target], items[index]
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
    if moved:
        db.session.flush()
        audit.record(
            actor,
            "quote.move",
            quote,
            workspace_id=quote.workspace_id,
            direction=direction,
            position=quote.position,
        )
    return moved


def remove(actor, quote: Quote) -> None:
    """Remove a quote (a moderator's artefact, not what someone wrote: the source stays)."""
    audit.record(
        actor,
        "quote.remove",
        quote,
        workspace_id=quote.workspace_id,
        excerpt=quote.excerpt,
        theme_id=quote.theme_id,
        attribution=quote.attribution.value,
    )
    db.session.delete(quote)
    db.session.flush()


def get_quote(workspace: Workspace, quote_id: int) -> Quote:
    quote = db.session.scalar(select(Quote).where(Quote.id == quote_id, Quote.workspace_id == workspace.id))
    if quote is None:
        abort(404)
    return quote


# --- reading ---------------------------------------------------------------------------------


def attribution_text(attribution: Attribution, unit: str | None, name: str | None) -> str:
    """The attribution in the active language: "A supervisor", "A supervisor, <unit>", or the name."""
    if attribution is Attribution.NAME and name:
        return name
    if attribution is Attribution.ROLE_AND_UNIT and unit:
        return _("A supervisor, %(unit)s", unit=unit)
    return _("A supervisor")


class QuoteRow(NamedTuple):
    """A quote with what the programme needs to know about its source now."""

    quote: Quote
    may_name: bool  # the author exists, is not erased and still consents to be named
    left_out: LeftOut | None  # why the programme leaves it out, or None when it goes in


def _left_out(row) -> LeftOut | None:
    """Why a quote's source no longer belongs in the programme (DESIGN: hidden content never does)."""
    # A quote whose source no longer exists (imported without one) keeps its frozen text.
    if row.hidden_at is not None:
        return LeftOut.HIDDEN
    if row.withdrawn_at is not None:
        return LeftOut.WITHDRAWN
    if row.idea_status == IdeaStatus.MERGED:
        return LeftOut.MERGED
    if row.erased_at is not None:
        return LeftOut.ERASED
    # What participants no longer see around it: the idea it comments on, or its activity.
    if row.idea_hidden_at is not None or row.activity_status == ActivityStatus.DRAFT:
        return LeftOut.CONTEXT_HIDDEN
    return None


def workspace_quotes(workspace: Workspace) -> list[QuoteRow]:
    """Every quote of the workspace by theme and position, with whether its author may still be
    named and whether its source still belongs in the programme, in one query."""
    c_author, n_author, i_author = (aliased(User) for _kind in SOURCE_KINDS)
    c_idea = aliased(Idea)
    c_activity, n_activity = aliased(Activity), aliased(Activity)
    consent = func.coalesce(
        c_author.consents_to_named_quotes & c_author.erased_at.is_(None),
        n_author.consents_to_named_quotes & n_author.erased_at.is_(None),
        i_author.consents_to_named_quotes & i_author.erased_at.is_(None),
        False,
    )
    rows = db.session.execute(
        select(
            Quote,
            consent.label("may_name"),
            func.coalesce(Comment.hidden_at, Note.hidden_at, Idea.hidden_at).label("hidden_at"),
            Comment.withdrawn_at,
            Idea.status.label("idea_status"),
            func.coalesce(c_author.erased_at, n_author.erased_at, i_author.erased_at).label("erased_at"),
            c_idea.hidden_at.label("idea_hidden_at"),
            func.coalesce(c_activity.status, n_activity.status).label("activity_status"),
        )
        .outerjoin(Comment, Comment.id == Quote.comment_id)
        .outerjoin(c_author, c_author.id == Comment.author_id)
        .outerjoin(c_idea, c_idea.id == Comment.idea_id)
        .outerjoin(c_activity, c_activity.id == Comment.activity_id)
        .outerjoin(Note, Note.id == Quote.note_id)
        .outerjoin(n_author, n_author.id == Note.author_id)
        .outerjoin(n_activity, n_activity.id == Note.activity_id)
        .outerjoin(Idea, Idea.id == Quote.idea_id)
        .outerjoin(i_author, i_author.id == Idea.author_id)
        .where(Quote.workspace_id == workspace.id)
        .order_by(Quote.theme_id, Quote.position, Quote.id)
    ).all()
    return [QuoteRow(row.Quote, bool(row.may_name), _left_out(row)) for row in rows]


def programme_quotes(workspace: Workspace, language: str) -> dict[int, list[dict]]:
    """The quotes of each theme as the programme dict holds them (call under force_locale); those
    whose source was hidden, withdrawn, merged away or erased are left out."""
    by_theme: dict[int, list[dict]] = {}
    for quote, may_name, left_out in workspace_quotes(workspace):
        if left_out is not None:
            continue
        attribution = quote.attribution
        if attribution is Attribution.NAME and not may_name:
            attribution = Attribution.ROLE
        by_theme.setdefault(quote.theme_id, []).append(
            {
                "id": quote.id,
                "text": quote.excerpt,
                "language": quote.language,
                "attribution": attribution_text(attribution, quote.attributed_unit, quote.attributed_name),
            }
        )
    return by_theme
