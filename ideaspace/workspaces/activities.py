"""Moderators set up the activities of a theme and their options, without corrupting given answers."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..extensions import db
from ..i18n import localize
from ..models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Answer,
    AnswerChoice,
    Comment,
    Note,
    Option,
    Respondent,
    ResultsVisibility,
    Theme,
    Workspace,
    utcnow,
)
from .manage import Refused, _count, assign, describe_counts, next_position, renumber, rich, rich_source, text
from .measures import workspace_measures


def get_activity(workspace: Workspace, activity_id: int) -> Activity:
    """The activity with its options, or 404 unless it belongs to a theme of this workspace."""
    activity = db.session.scalar(
        select(Activity)
        .join(Theme, Theme.id == Activity.theme_id)
        .where(Activity.id == activity_id, Theme.workspace_id == workspace.id)
        .options(selectinload(Activity.options))
    )
    if activity is None:
        abort(404)
    return activity


def activity_contents(activity: Activity) -> dict[str, int]:
    """What people gave on an activity, counted in one query."""
    row = db.session.execute(
        select(
            _count(Answer, Answer.activity_id == activity.id).label("answers"),
            _count(Respondent, Respondent.activity_id == activity.id).label("respondents"),
            _count(Note, Note.activity_id == activity.id).label("notes"),
            _count(Comment, Comment.activity_id == activity.id).label("comments"),
        )
    ).one()
    counts = dict(row._mapping)
    # Either row says someone answered; report the larger count once.
    counts["answers"] = max(counts["answers"], counts.pop("respondents"))
    return counts


def contents_by_activity(activity_ids: list[int]) -> dict[int, dict[str, int]]:
    """Answers, notes and comments per activity, for a list page: three GROUP BY queries."""
    result = {i: {"answers": 0, "notes": 0, "comments": 0} for i in activity_ids}
    if not activity_ids:
        return result
    for key, model in (("answers", Respondent), ("notes", Note), ("comments", Comment)):
        rows = db.session.execute(
            select(model.activity_id, func.count())
            .where(model.activity_id.in_(activity_ids))
            .group_by(model.activity_id)
        )
        for activity_id, count in rows:
            result[activity_id][key] = count
    return result


def answered_option_ids(activity: Activity) -> set[int]:
    """The options someone has chosen: removing them would change the results."""
    return set(
        db.session.scalars(
            select(AnswerChoice.option_id)
            .join(Option, Option.id == AnswerChoice.option_id)
            .where(Option.activity_id == activity.id)
            .group_by(AnswerChoice.option_id)
        )
    )


def _settings(values: dict) -> dict:
    kind = ActivityKind(values["kind"])
    settings = {
        "kind": kind,
        "status": ActivityStatus(values.get("status", ActivityStatus.DRAFT)),
        "is_anonymous": bool(values.get("is_anonymous", False)),
        "results_visibility": ResultsVisibility(values.get("results_visibility", ResultsVisibility.ALWAYS)),
        "answers_changeable": bool(values.get("answers_changeable", True)),
        "max_selections": values.get("max_selections") if kind is ActivityKind.MULTIPLE_CHOICE else None,
        "title": text(values.get("title")),
        "prompt": rich(values.get("prompt")),
    }
    settings["prompt_source"] = rich_source(values.get("prompt_source"), settings["prompt"])
    if not settings["title"]:
        raise Refused(_("Write the title."))
    return settings


def _clean_options(
    workspace: Workspace, kind: ActivityKind, options: list[dict], max_selections
) -> list[dict]:
    """Check the options against the kind and the workspace; a label defaults to its measure's text."""
    measures = {m.id: m for m in workspace_measures(workspace)}
    cleaned = []
    for row in options:
        measure_id = row.get("measure_id")
        if measure_id is not None and measure_id not in measures:
            raise Refused(_("An option points at a measure of another workspace."))
        label = text(row.get("label"))
        if not label and measure_id is not None:
            label = dict(measures[measure_id].text)
        if not label:
            raise Refused(_("Every option needs a label."))
        cleaned.append({"id": row.get("id"), "label": label, "measure_id": measure_id})
    if kind.is_poll and len(cleaned) < 2:
        raise Refused(_("A poll needs at least two options."))
    if not kind.is_poll and cleaned:
        raise Refused(
            _("Only single- and multiple-choice polls have options: remove them, or choose a poll.")
        )
    if max_selections is not None and not 1 <= max_selections <= len(cleaned):
        raise Refused(_("At most %(count)d: the poll has %(count)d options.", count=len(cleaned)))
    return cleaned


def create_activity(
    actor, workspace: Workspace, theme: Theme, *, options: list[dict] = (), **values
) -> Activity:
    settings = _settings(values)
    rows = _clean_options(workspace, settings["kind"], list(options), settings["max_selections"])
    activity = Activity(theme_id=theme.id, position=next_position(Activity, theme.id), **settings)
    if activity.status is ActivityStatus.OPEN:
        activity.opened_at = utcnow()
    db.session.add(activity)
    db.session.flush()
    for position, row in enumerate(rows):
        db.session.add(
            Option(
                activity_id=activity.id, position=position, label=row["label"], measure_id=row["measure_id"]
            )
        )
    db.session.flush()
    audit.record(
        actor, "activity.create", activity, workspace_id=workspace.id, kind=activity.kind, options=len(rows)
    )
    return activity


def update_activity(
    actor, workspace: Workspace, activity: Activity, *, options: list[dict] = (), **values
) -> list[str]:
    """Change an activity and its options; once it has answers, refuse what would corrupt them."""
    settings = _settings(values)
    rows = _clean_options(workspace, settings["kind"], list(options), settings["max_selections"])
    existing = {option.id: option for option in activity.options}
    kept_ids = {row["id"] for row in rows if row["id"] is not None}
    if kept_ids - existing.keys():
        raise Refused(_("An option does not belong to this activity."))
    removed = [existing[i] for i in existing.keys() - kept_ids]

    contents = activity_contents(activity)
    if any(contents.values()):
        what = describe_counts(contents)
        if settings["kind"] is not activity.kind:
            raise Refused(_("The kind cannot change: the activity already has %(what)s.", what=what))
        if settings["is_anonymous"] != activity.is_anonymous:
            raise Refused(
                _(
                    "Anonymity cannot change: the activity already has %(what)s, given under the old rule.",
                    what=what,
                )
            )
    answered = answered_option_ids(activity)
    blocked = [o for o in removed if o.id in answered]
    if blocked:
        names = ", ".join(f"“{localize(o.label, workspace.primary_language)}”" for o in blocked)
        raise Refused(_("These options have answers and cannot be removed: %(names)s.", names=names))

    was_open = activity.status is ActivityStatus.OPEN
    changed = assign(activity, settings)
    if activity.status is ActivityStatus.OPEN and not was_open:
        activity.opened_at = utcnow()  # the digest tells it as newly open
    for option in removed:
        activity.options.remove(option)
        db.session.delete(option)
    new_rows = 0
    for position, row in enumerate(rows):
        if row["id"] is None:
            option = Option(activity_id=activity.id)
            activity.options.append(option)
            new_rows += 1
        else:
            option = existing[row["id"]]
        if assign(option, {"position": position, "label": row["label"], "measure_id": row["measure_id"]}):
            if "options" not in changed:
                changed.append("options")
    if removed and "options" not in changed:
        changed.append("options")
    if changed:
        db.session.flush()
        audit.record(
            actor,
            "activity.update",
            activity,
            workspace_id=workspace.id,
            changed=changed,
            options_added=new_rows,
            options_removed=len(removed),
        )
    return changed


def delete_activity(actor, workspace: Workspace, activity: Activity) -> None:
    """Delete an activity nobody has answered or written on; otherwise refuse."""
    contents = activity_contents(activity)
    if any(contents.values()):
        raise Refused(
            _(
                "This activity cannot be deleted: it has %(what)s. Nothing was deleted. "
                "To stop it, set its status to “Closed”.",
                what=describe_counts(contents),
            )
        )
    theme_id = activity.theme_id
    audit.record(actor, "activity.delete", activity, workspace_id=workspace.id, title=activity.title)
    db.session.delete(activity)
    db.session.flush()
    renumber(
        list(
            db.session.scalars(
                select(Activity).where(Activity.theme_id == theme_id).order_by(Activity.position, Activity.id)
            )
        )
    )
    db.session.flush()


def measure_choices(workspace: Workspace) -> list[tuple[int, str]]:
    """(id, "theme – measure") for the option rows' measure select."""
    measures = workspace_measures(workspace)
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.workspace_id == workspace.id))}
    lang = workspace.primary_language
    return [
        (m.id, f"{localize(themes[m.theme_id].title, lang)} – {localize(m.text, lang)}"[:160])
        for m in measures
    ]
