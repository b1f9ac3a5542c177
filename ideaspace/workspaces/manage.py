"""Moderators build a workspace: its settings, its moderators, its themes, and the order of things.

Plain functions taking the actor and the objects; they flush, write the audit log, never commit.
A rule that forbids an operation raises `Refused` with a message for the person.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select

from .. import audit
from ..anonymity import K_FLOOR, k_floor
from ..extensions import db
from ..inputs import parse_id
from ..models import (
    Activity,
    Answer,
    Comment,
    Idea,
    Indicator,
    IndicatorReading,
    Measure,
    MemberRole,
    Membership,
    Note,
    Option,
    Quote,
    Role,
    Theme,
    User,
    Workspace,
)
from ..sanitize import clean_html, clean_text


class Refused(Exception):
    """The rules do not allow this; `str(error)` says why, in the reader's language."""


# --- shared helpers ----------------------------------------------------------------------------


def text(value: dict | None) -> dict:
    """Plain text per language, without empty languages."""
    return {lang: clean_text(v) for lang, v in (value or {}).items() if clean_text(v)}


def rich(value: dict | None) -> dict:
    """Sanitized rich text per language, without empty languages."""
    return {lang: clean_html(v) for lang, v in (value or {}).items() if clean_text(v)}


def rich_source(source: dict | None, html: dict) -> dict | None:
    """The Markdown kept beside rich text, for the languages `html` has; None when the caller gave
    none (editing then starts from the HTML), so a source never outlives the HTML it made."""
    if source is None:
        return None
    return {lang: clean_text(source[lang]) for lang in html if clean_text(source.get(lang))}


def assign(obj, values: dict) -> list[str]:
    """Set the attributes that differ; return their names for the audit log."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


# Each ordered thing and the column that names its list.
_PARENT = {Theme: "workspace_id", Measure: "theme_id", Indicator: "measure_id", Activity: "theme_id"}


def siblings(obj) -> list:
    """The ordered list `obj` belongs to (itself included), by position, then age."""
    model = type(obj)
    column = getattr(model, _PARENT[model])
    return list(
        db.session.scalars(
            select(model).where(column == getattr(obj, _PARENT[model])).order_by(model.position, model.id)
        )
    )


def renumber(items: list) -> None:
    """Keep positions dense: 0..n-1 in the list's order."""
    for index, item in enumerate(items):
        if item.position != index:
            item.position = index


def next_position(model, parent_id: int) -> int:
    """Renumber the list densely and return the position after its end."""
    column = getattr(model, _PARENT[model])
    items = list(
        db.session.scalars(select(model).where(column == parent_id).order_by(model.position, model.id))
    )
    renumber(items)
    return len(items)


def move(actor, obj, direction: str, *, workspace_id: int) -> bool:
    """Move one step up or down in its list; False when it is already at that end."""
    if direction not in ("up", "down"):
        raise ValueError(direction)
    items = siblings(obj)
    index = items.index(obj)
    target = index - 1 if direction == "up" else index + 1
    moved = 0 <= target < len(items)
    if moved:
        items[index], items[target] = items[target], items[index]
    renumber(items)
    if moved:
        db.session.flush()
        audit.record(
            actor,
            f"{type(obj).__tablename__}.move",
            obj,
            workspace_id=workspace_id,
            direction=direction,
            position=obj.position,
        )
    return moved


MAX_ORDER = 500  # longer than any list of themes, measures or activities; refused before parsing


def parse_order(values) -> list[int]:
    """The ids of a submitted order: repeated fields, or one field of comma-separated ids."""
    raw = [part for value in (values or []) for part in str(value).split(",")]
    if not raw or len(raw) > MAX_ORDER:
        raise Refused(_("The new order is not valid. Reload the page and try again; nothing was changed."))
    ids = [parse_id(part) for part in raw]
    if None in ids:
        raise Refused(_("The new order is not valid. Reload the page and try again; nothing was changed."))
    return ids


def reorder(actor, model, parent, ids: list[int], *, workspace_id: int) -> list:
    """Put the `model` children of `parent` (a workspace's themes, a theme's measures or activities)
    in the order of `ids`, which must name each of them exactly once and nothing else."""
    column = getattr(model, _PARENT[model])
    items = list(
        db.session.scalars(
            select(model)
            .where(column == parent.id)
            .order_by(model.position, model.id)
            .with_for_update(of=model)
        )
    )
    by_id = {item.id: item for item in items}
    if len(ids) != len(set(ids)) or set(ids) != set(by_id):
        # A list changed in another tab (an item added or deleted) or ids from elsewhere: the
        # person sees the list as it is now and can drag again.
        raise Refused(_("The list has changed since the page was loaded. Check the order and try again."))
    ordered = [by_id[i] for i in ids]
    if ordered == items:
        return ordered
    renumber(ordered)
    db.session.flush()
    audit.record(
        actor,
        f"{model.__tablename__}.reorder",
        parent,
        workspace_id=workspace_id,
        order=ids,
    )
    return ordered


def describe_counts(counts: dict[str, int]) -> str:
    """ "3 comments, 12 answers and 1 idea": what people wrote, in words."""
    words = {
        "comments": lambda n: ngettext("%(num)d comment", "%(num)d comments", n),
        "answers": lambda n: ngettext("%(num)d answer", "%(num)d answers", n),
        "notes": lambda n: ngettext("%(num)d note", "%(num)d notes", n),
        "ideas": lambda n: ngettext("%(num)d idea", "%(num)d ideas", n),
        "quotes": lambda n: ngettext("%(num)d quote", "%(num)d quotes", n),
        "readings": lambda n: ngettext("%(num)d yearly reading", "%(num)d yearly readings", n),
        "options": lambda n: ngettext(
            "%(num)d poll option that votes on it", "%(num)d poll options that vote on it", n
        ),
        "origin": lambda n: _("the idea it came from"),
    }
    parts = [words[key](n) for key, n in counts.items() if n]
    if len(parts) > 1:
        return _("%(first)s and %(last)s", first=", ".join(parts[:-1]), last=parts[-1])
    return parts[0] if parts else ""


def _count(model, *conditions):
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


# --- workspaces --------------------------------------------------------------------------------


def slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    query = select(Workspace.id).where(Workspace.slug == slug)
    if exclude_id is not None:
        query = query.where(Workspace.id != exclude_id)
    return db.session.scalar(query) is not None


def _workspace_values(values: dict) -> dict:
    values = dict(values)
    values["slug"] = clean_text(values["slug"]).lower()
    values["title"] = text(values["title"])
    values["introduction"] = rich(values.get("introduction"))
    values["introduction_source"] = rich_source(values.get("introduction_source"), values["introduction"])
    values["strategy"] = text(values.get("strategy"))
    opens, closes = values.get("opens_on"), values.get("closes_on")
    if opens and closes and closes < opens:
        raise Refused(_("The closing date cannot be before the opening date."))
    if values.get("min_group_size", K_FLOOR) < k_floor():
        raise Refused(
            _(
                "The minimum group size is at least %(floor)s, so that no answer can be traced "
                "to a smaller group of people.",
                floor=k_floor(),
            )
        )
    if not values["title"].get(values.get("primary_language", "fi")):
        raise Refused(_("Write the title at least in the primary language."))
    return values


def create_workspace(actor, **values) -> Workspace:
    """Create a workspace; its creator becomes its first moderator."""
    values = _workspace_values(values)
    if slug_taken(values["slug"]):
        raise Refused(_("Another workspace already uses this address."))
    workspace = Workspace(created_by_id=actor.id, **values)
    db.session.add(workspace)
    db.session.flush()
    db.session.add(Membership(workspace_id=workspace.id, user_id=actor.id, role=MemberRole.MODERATOR))
    db.session.flush()
    audit.record(actor, "workspace.create", workspace, workspace_id=workspace.id, slug=workspace.slug)
    return workspace


def update_workspace(actor, workspace: Workspace, **values) -> list[str]:
    values = _workspace_values(values)
    if slug_taken(values["slug"], exclude_id=workspace.id):
        raise Refused(_("Another workspace already uses this address."))
    changed = assign(workspace, values)
    if changed:
        db.session.flush()
        audit.record(actor, "workspace.update", workspace, workspace_id=workspace.id, changed=changed)
    return changed


def moderators(workspace: Workspace) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.workspace_id == workspace.id, Membership.role == MemberRole.MODERATOR)
            .order_by(User.name, User.id)
        )
    )


def moderator_candidates(workspace: Workspace) -> list[User]:
    """Platform moderators who do not yet moderate this workspace."""
    already = select(Membership.user_id).where(
        Membership.workspace_id == workspace.id, Membership.role == MemberRole.MODERATOR
    )
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.MODERATOR, User.is_active_account.is_(True), User.id.not_in(already))
            .order_by(User.name, User.id)
        )
    )


def add_moderator(actor, workspace: Workspace, user: User) -> Membership:
    """Name a platform moderator a moderator of this workspace (a membership they had is kept)."""
    if user.role is not Role.MODERATOR:
        raise Refused(_("Only people with the moderator role can moderate a workspace."))
    membership = db.session.scalar(
        select(Membership).where(Membership.workspace_id == workspace.id, Membership.user_id == user.id)
    )
    if membership is None:
        membership = Membership(workspace_id=workspace.id, user_id=user.id)
        db.session.add(membership)
    elif membership.role is MemberRole.MODERATOR:
        raise Refused(_("%(name)s already moderates this workspace.", name=user.name))
    membership.role = MemberRole.MODERATOR
    db.session.flush()
    audit.record(actor, "workspace.moderator_add", user, workspace_id=workspace.id)
    return membership


def remove_moderator(actor, workspace: Workspace, user: User) -> None:
    """Make a workspace moderator an ordinary member again; the last one stays."""
    membership = db.session.scalar(
        select(Membership).where(
            Membership.workspace_id == workspace.id,
            Membership.user_id == user.id,
            Membership.role == MemberRole.MODERATOR,
        )
    )
    if membership is None:
        raise Refused(_("%(name)s does not moderate this workspace.", name=user.name))
    if len(moderators(workspace)) <= 1:
        raise Refused(_("A workspace needs at least one moderator. Add another one first."))
    # Kept as a membership, so their visits and contributions stay in the record.
    membership.role = MemberRole.PARTICIPANT
    db.session.flush()
    audit.record(actor, "workspace.moderator_remove", user, workspace_id=workspace.id)


# --- themes ------------------------------------------------------------------------------------


def themes_of(workspace: Workspace) -> list[Theme]:
    return list(
        db.session.scalars(
            select(Theme).where(Theme.workspace_id == workspace.id).order_by(Theme.position, Theme.id)
        )
    )


def create_theme(
    actor,
    workspace: Workspace,
    *,
    title: dict,
    introduction: dict | None = None,
    introduction_source: dict | None = None,
) -> Theme:
    title = text(title)
    if not title:
        raise Refused(_("Write the title."))
    introduction = rich(introduction)
    theme = Theme(
        workspace_id=workspace.id,
        position=next_position(Theme, workspace.id),
        title=title,
        introduction=introduction,
        introduction_source=rich_source(introduction_source, introduction),
    )
    db.session.add(theme)
    db.session.flush()
    audit.record(actor, "theme.create", theme, workspace_id=workspace.id)
    return theme


def update_theme(
    actor,
    theme: Theme,
    *,
    title: dict,
    introduction: dict | None = None,
    introduction_source: dict | None = None,
) -> list[str]:
    title = text(title)
    if not title:
        raise Refused(_("Write the title."))
    introduction = rich(introduction)
    changed = assign(
        theme,
        {
            "title": title,
            "introduction": introduction,
            "introduction_source": rich_source(introduction_source, introduction),
        },
    )
    if changed:
        db.session.flush()
        audit.record(actor, "theme.update", theme, workspace_id=theme.workspace_id, changed=changed)
    return changed


def theme_contents(theme: Theme) -> dict[str, int]:
    """What people wrote on a theme, its measures and its activities, counted in one query."""
    measures = select(Measure.id).where(Measure.theme_id == theme.id)
    activities = select(Activity.id).where(Activity.theme_id == theme.id)
    row = db.session.execute(
        select(
            _count(
                Comment,
                or_(
                    Comment.theme_id == theme.id,
                    Comment.measure_id.in_(measures),
                    Comment.activity_id.in_(activities),
                ),
            ).label("comments"),
            _count(Answer, Answer.activity_id.in_(activities)).label("answers"),
            _count(Note, Note.activity_id.in_(activities)).label("notes"),
            _count(Idea, Idea.theme_id == theme.id).label("ideas"),
            _count(Quote, Quote.theme_id == theme.id).label("quotes"),
            _count(
                IndicatorReading,
                IndicatorReading.indicator_id.in_(
                    select(Indicator.id).where(Indicator.measure_id.in_(measures))
                ),
            ).label("readings"),
            # A poll of another theme voting on this theme's measures would lose what it voted on.
            _count(Option, Option.measure_id.in_(measures), Option.activity_id.not_in(activities)).label(
                "options"
            ),
        )
    ).one()
    return dict(row._mapping)


def delete_theme(actor, theme: Theme) -> None:
    """Delete a theme nobody has written on; otherwise refuse, so nothing people wrote is lost."""
    counts = theme_contents(theme)
    if any(counts.values()):
        raise Refused(
            _(
                "This theme cannot be deleted: it has %(what)s. Nothing was deleted.",
                what=describe_counts(counts),
            )
        )
    workspace_id = theme.workspace_id
    audit.record(actor, "theme.delete", theme, workspace_id=workspace_id, title=theme.title)
    db.session.delete(theme)
    db.session.flush()
    renumber(
        list(
            db.session.scalars(
                select(Theme).where(Theme.workspace_id == workspace_id).order_by(Theme.position, Theme.id)
            )
        )
    )
    db.session.flush()
