"""What the programme leaves out, and why: content that was hidden, withdrawn, erased or merged
away after a moderator chose it never reaches the preview or an export (`build_programme` applies
these rules); moderators see the list on the programme page, and a published version says how many
of its items have since been left out (it keeps them: it is the document as it was published).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Activity, ActivityStatus, Idea, Theme, Workspace


class LeftOut(enum.StrEnum):
    """Why an item is left out of the programme (labels in ideaspace/labels.py)."""

    HIDDEN = "left_out_hidden"  # hidden by a moderator
    WITHDRAWN = "left_out_withdrawn"  # a comment its author withdrew
    MERGED = "left_out_merged"  # an idea merged into another one
    ERASED = "left_out_erased"  # its author's account was erased
    CONTEXT_HIDDEN = "left_out_context"  # on a hidden idea, or in an activity back in draft
    IDEA_HIDDEN = "left_out_idea_hidden"  # a measure's origin idea is hidden: its credit goes
    ACTIVITY_DRAFT = "left_out_activity_draft"  # results of an activity taken back to draft


@dataclass(frozen=True)
class LeftOutItem:
    """One item the draft leaves out: a quote, a measure's credit to its idea, or poll results."""

    kind: str  # "quote", "origin" or "results"
    theme_id: int
    text: str  # the quote's excerpt, the measure's text or the activity's title (moderators only)
    reason: LeftOut
    anchor: str  # where the programme page shows it


def activity_left_out(activity: Activity) -> LeftOut | None:
    """Why the results of a chosen activity stay out of the programme, or None."""
    if activity.status is ActivityStatus.DRAFT:
        return LeftOut.ACTIVITY_DRAFT
    return None


def origin_left_out(idea: Idea | None) -> LeftOut | None:
    """Why a measure no longer credits the idea it came from: the measure stays, the link goes."""
    if idea is not None and idea.hidden_at is not None:
        return LeftOut.IDEA_HIDDEN
    return None


def left_out(workspace: Workspace, theme_choices=None) -> list[LeftOutItem]:
    """Everything the live draft leaves out, theme by theme (the programme page's warning).

    `theme_choices` (programme.curation.choices) saves loading the themes again.
    """
    from ..i18n import localize
    from .curation import choices

    primary = workspace.primary_language
    items: list[LeftOutItem] = []
    for item in theme_choices if theme_choices is not None else choices(workspace):
        for measure in item.measures:
            reason = origin_left_out(measure.origin_idea)
            if reason:
                text = localize(measure.text, primary)
                items.append(
                    LeftOutItem("origin", item.theme.id, text, reason, f"measure-{measure.id}-status")
                )
        for activity in item.chosen:
            reason = activity_left_out(activity)
            if reason:
                text = localize(activity.title, primary)
                items.append(LeftOutItem("results", item.theme.id, text, reason, f"theme-{item.theme.id}"))
        for quote, _may_name, reason in item.quotes:
            if reason:
                items.append(LeftOutItem("quote", item.theme.id, quote.excerpt, reason, f"quote-{quote.id}"))
    return items


def since_left_out(workspace: Workspace, programme: dict) -> int:
    """How many items of a published version (its frozen dict) the live draft would now leave out:
    quotes whose source was hidden since, results of activities deleted or back in draft, and
    measures whose origin idea was hidden. Three queries."""
    from ..quotes.service import workspace_quotes

    themes = programme.get("themes") or []
    quote_ids = {q.get("id") for t in themes for q in t.get("quotes", [])}
    activity_ids = {r.get("activity_id") for t in themes for r in t.get("results", [])}
    origins = [m.get("origin_idea_id") for t in themes for m in t.get("measures", [])]
    idea_ids = set(origins) - {None}
    count = sum(1 for row in workspace_quotes(workspace) if row.left_out and row.quote.id in quote_ids)
    if activity_ids:
        live = dict(
            db.session.execute(
                select(Activity.id, Activity.status)
                .join(Theme, Theme.id == Activity.theme_id)
                .where(Theme.workspace_id == workspace.id, Activity.id.in_(activity_ids))
            ).all()
        )
        count += sum(1 for a in activity_ids if a not in live or live[a] == ActivityStatus.DRAFT)
    if idea_ids:
        hidden = set(
            db.session.scalars(
                select(Idea.id).where(
                    Idea.id.in_(idea_ids), Idea.workspace_id == workspace.id, Idea.hidden_at.is_not(None)
                )
            )
        )
        count += sum(1 for idea_id in origins if idea_id in hidden)
    return count
