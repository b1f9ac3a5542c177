from functools import partial

from flask import Blueprint, Response, render_template
from flask_login import current_user

from .. import numbers
from ..i18n import current_language
from ..permissions import can_view_statistics, require
from ..workshops.screens import work_communities
from ..workspaces.service import get_workspace
from . import charts, exports
from .service import unit_groups, workspace_statistics

bp = Blueprint("stats", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _load(slug: str):
    workspace = get_workspace(slug)
    require(can_view_statistics(current_user, workspace))
    return workspace, workspace_statistics(workspace)


def _download(body, content_type: str, filename: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/w/<slug>/statistics")
def statistics(slug: str):
    workspace, stats = _load(slug)
    language = current_language()
    return render_template(
        "stats/statistics.html",
        workspace=workspace,
        stats=stats,
        funnel_bars=charts.funnel_bars(stats.funnel),
        daily_chart=charts.daily_chart(stats.daily, language),
        chart_max=charts.FUNNEL_BAR_MAX,
        unit_groups=unit_groups(stats.units),
        work_communities=work_communities(workspace),
        theme_title=lambda row: exports.theme_title(row, language, workspace.primary_language),
        unit_name=lambda row, with_parent=True: exports.unit_name(
            row, language, stats.min_group_size, with_parent
        ),
        num=partial(numbers.number, language=language),
        pct=lambda value, digits=2: numbers.percent(value, language, digits),
    )


@bp.get("/w/<slug>/statistics.csv")
def statistics_csv(slug: str):
    workspace, stats = _load(slug)
    communities = work_communities(workspace)
    body = exports.to_csv(
        stats, current_language(), workspace.primary_language, bom=True, communities=communities
    )
    return _download(body.encode("utf-8"), "text/csv; charset=utf-8", f"{workspace.slug}-statistics.csv")


@bp.get("/w/<slug>/statistics.xlsx")
def statistics_xlsx(slug: str):
    workspace, stats = _load(slug)
    body = exports.to_xlsx(
        stats, current_language(), workspace.primary_language, communities=work_communities(workspace)
    )
    return _download(body, XLSX, f"{workspace.slug}-statistics.xlsx")
