"""Build the programme document as one plain dict (the data contract shared with the exports).

`build_programme(workspace, language)` reads the live draft in a fixed number of queries, whatever
the size of the workspace: themes, measures (with their origin ideas), indicators and readings
(four, eager-loaded), the chosen activities and their options (two), their results (one,
`polls.results.results_for`), the quotes with their authors' current consent and their sources'
state (one), and the participation funnel (`stats.service.workspace_funnel`, one).

What was hidden, withdrawn, erased or merged away after it was chosen stays out (left_out.py).

Every text is already in the requested language (falling back to the workspace's primary one),
every decimal is a string with a dot and two decimals, every date an ISO string, so the dict is
JSON-serialisable and a published version can store it as it is.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import localize
from ..models import (
    Activity,
    ActivityKind,
    Indicator,
    Measure,
    MeasureStatus,
    Theme,
    Workspace,
)
from ..polls.results import results_for
from ..sanitize import clean_html as _clean_html
from ..sanitize import html_to_text as _html_to_text
from ..stats.service import workspace_funnel
from .followup import follow_up, latest_value
from .left_out import activity_left_out, origin_left_out

FORMAT = "ideaspace.programme"
FORMAT_VERSION = 1
CENT = Decimal("0.01")
ANSWERED_KINDS = (ActivityKind.SINGLE_CHOICE, ActivityKind.MULTIPLE_CHOICE, ActivityKind.SCALE)


# The same introductions and questions are sanitized again on every preview and export: a few
# hundred microseconds each with nh3. Both are pure functions of the text.
clean_html = lru_cache(maxsize=512)(_clean_html)
html_to_text = lru_cache(maxsize=512)(_html_to_text)


def decimal_text(value) -> str | None:
    """A decimal as the contract writes it: a dot and two decimals ("34.29"); None stays None."""
    if value is None:
        return None
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def build_programme(workspace: Workspace, language: str, *, edition: dict | None = None) -> dict:
    """The programme draft of the workspace in `language`, as the contract's dict."""
    from ..insight.service import heard_of
    from ..quotes.service import programme_quotes  # quotes build on the programme's themes

    primary = workspace.primary_language

    def text(value) -> str:
        return localize(value, primary, language)

    themes = list(
        db.session.scalars(
            select(Theme)
            .where(Theme.workspace_id == workspace.id)
            .order_by(Theme.position, Theme.id)
            .options(
                selectinload(Theme.measures).selectinload(Measure.indicators).selectinload(Indicator.readings)
            )
        )
    )
    # Hidden content never reaches the programme (left_out.py says what stays out and why).
    activities = [a for a in chosen_activities(workspace) if activity_left_out(a) is None]
    results = results_for(activities)
    with force_locale(language):
        quotes = programme_quotes(workspace, language)
    funnel = workspace_funnel(workspace)
    heard = heard_of(workspace)

    by_theme: dict[int, list[dict]] = {}
    for activity in activities:
        if activity.id in results:
            by_theme.setdefault(activity.theme_id, []).append(_result(activity, results[activity.id], text))

    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "language": language,
        "workspace": {
            "slug": workspace.slug,
            "title": text(workspace.title),
            "strategy": text(workspace.strategy),
            "introduction_html": clean_html(text(workspace.introduction)),
            "opens_on": _iso(workspace.opens_on),
            "closes_on": _iso(workspace.closes_on),
        },
        "edition": edition or {"number": None, "published_at": None, "note": None},
        "participation": {
            "invited": funnel.invited,
            "visited": funnel.visited,
            "contributed": funnel.contributed,
            "visited_rate": str(funnel.visited_rate) if funnel.visited_rate is not None else None,
            "contributed_rate": (
                str(funnel.contributed_rate) if funnel.contributed_rate is not None else None
            ),
            "opens_on": _iso(workspace.opens_on),
            "closes_on": _iso(workspace.closes_on),
        },
        "themes": [
            {
                "id": theme.id,
                "position": theme.position,
                "title": text(theme.title),
                "introduction_html": clean_html(text(theme.introduction)),
                "measures": [
                    _measure(measure, text)
                    for measure in theme.measures
                    if measure.status is MeasureStatus.IN_PROGRAMME
                ],
                "results": by_theme.get(theme.id, []),
                "quotes": quotes.get(theme.id, []),
                "heard": _heard(workspace, heard.get(theme.id)),
            }
            for theme in themes
        ],
    }


def _heard(workspace: Workspace, found) -> dict | None:
    """A theme's "what we heard": the moderator's words and, as references, the sources still shown
    with their absolute addresses (ideaspace.insight)."""
    if found is None:
        return None
    from ..insight.service import link_target
    from ..mail import public_url

    row, sources = found
    references = []
    for item in sources:
        endpoint, values = link_target(workspace, item)
        anchor = values.pop("_anchor", None)
        url = public_url(endpoint, **values) + (f"#{anchor}" if anchor else "")
        references.append({"text": item.title or item.text, "url": url})
    return {"html": clean_html(row.summary_html), "references": references}


def chosen_activities(workspace: Workspace) -> list[Activity]:
    """The poll and scale activities chosen for the programme, theme by theme, in their order."""
    return list(
        db.session.scalars(
            select(Activity)
            .join(Theme, Theme.id == Activity.theme_id)
            .where(
                Theme.workspace_id == workspace.id,
                Activity.in_programme.is_(True),
                Activity.kind.in_(ANSWERED_KINDS),
            )
            .order_by(Theme.position, Theme.id, Activity.programme_position, Activity.position, Activity.id)
            .options(selectinload(Activity.options))
        )
    )


def _measure(measure: Measure, text) -> dict:
    return {
        "id": measure.id,
        "goal": text(measure.goal),
        "text": text(measure.text),
        "schedule": text(measure.schedule),
        "responsible": text(measure.responsible),
        "status": measure.status.value,
        # The measure stays when its idea is hidden; its credit to the idea goes.
        "origin_idea_id": None if origin_left_out(measure.origin_idea) else measure.origin_idea_id,
        "indicators": [_indicator(indicator, text) for indicator in measure.indicators],
    }


def _indicator(indicator: Indicator, text) -> dict:
    return {
        "id": indicator.id,
        "description": text(indicator.description),
        "unit_of_measure": text(indicator.unit_of_measure),
        "baseline_year": indicator.baseline_year,
        "baseline_value": decimal_text(indicator.baseline_value),
        "baseline_source": text(indicator.baseline_source),
        "comparator": indicator.comparator.value,
        "target_value": decimal_text(indicator.target_value),
        "target_text": text(indicator.target_text),
        "readings": [
            {"year": r.year, "value": decimal_text(r.value), "note": text(r.note)} for r in indicator.readings
        ],
        "follow_up": follow_up(
            indicator.comparator,
            indicator.baseline_value,
            indicator.target_value,
            latest_value(indicator.readings),
        ).value,
    }


def _result(activity: Activity, result, text) -> dict:
    scale = activity.kind is ActivityKind.SCALE
    return {
        "activity_id": activity.id,
        "title": text(activity.title),
        "question": html_to_text(text(activity.prompt)),
        "kind": activity.kind.value,
        "anonymous": activity.is_anonymous,
        "basis": "respondents" if activity.kind is ActivityKind.MULTIPLE_CHOICE else "answers",
        "answers": result.answers,
        "respondents": result.answers,  # one answer per person
        "options": []
        if scale
        else [
            {
                "label": text(row.option.label),
                "votes": row.count,
                "percent": decimal_text(row.percent),
                "measure_id": row.option.measure_id,
            }
            for row in result.rows
        ],
        "enps": result.enps if scale else None,
        "distribution": [{"value": row.key, "count": row.count} for row in result.rows] if scale else [],
    }
