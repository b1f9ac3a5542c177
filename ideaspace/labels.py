"""Translated names for the values people see: roles, statuses, kinds, error pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from .models import (
    ActivityKind,
    ActivityStatus,
    Attribution,
    Comparator,
    IdeaStatus,
    MeasureStatus,
    MemberRole,
    ResultsVisibility,
    Role,
    WorkspaceAccess,
    WorkspaceStatus,
)
from .programme.followup import FollowUp
from .programme.left_out import LeftOut

LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.MODERATOR: _l("Moderator"),
    Role.PARTICIPANT: _l("Participant"),
    Role.OBSERVER: _l("Observer"),
    MemberRole.PARTICIPANT: _l("Participant"),
    MemberRole.MODERATOR: _l("Moderator"),
    WorkspaceStatus.DRAFT: _l("Draft"),
    WorkspaceStatus.OPEN: _l("Open"),
    WorkspaceStatus.CLOSED: _l("Closed"),
    WorkspaceStatus.ARCHIVED: _l("Archived"),
    WorkspaceAccess.INVITED: _l("Invited people only"),
    WorkspaceAccess.ALL_USERS: _l("Everyone who signs in"),
    ActivityStatus.DRAFT: _l("Draft"),
    ActivityStatus.OPEN: _l("Open"),
    ActivityStatus.CLOSED: _l("Closed"),
    ActivityKind.DISCUSSION: _l("Discussion"),
    ActivityKind.SINGLE_CHOICE: _l("Single-choice poll"),
    ActivityKind.MULTIPLE_CHOICE: _l("Multiple-choice poll"),
    ActivityKind.SCALE: _l("Scale 0–10 (eNPS)"),
    ActivityKind.NOTES: _l("Notes wall"),
    ActivityKind.IDEAS: _l("Idea collection"),
    ResultsVisibility.ALWAYS: _l("Always"),
    ResultsVisibility.AFTER_ANSWERING: _l("After answering"),
    ResultsVisibility.AFTER_CLOSING: _l("After closing"),
    ResultsVisibility.MODERATORS: _l("To moderators only"),
    MeasureStatus.PROPOSED: _l("Proposed"),
    MeasureStatus.IN_PROGRAMME: _l("In the programme"),
    MeasureStatus.DROPPED: _l("Dropped"),
    Comparator.GT: _l("more than"),
    Comparator.GE: _l("at least"),
    Comparator.EQ: _l("exactly"),
    Comparator.LE: _l("at most"),
    Comparator.LT: _l("less than"),
    Comparator.QUALITATIVE: _l("qualitative (in words)"),
    IdeaStatus.NEW: _l("New"),
    IdeaStatus.UNDER_REVIEW: _l("Under review"),
    IdeaStatus.ACCEPTED: _l("Accepted"),
    IdeaStatus.MERGED: _l("Merged"),
    IdeaStatus.NOT_TAKEN: _l("Not taken forward"),
    Attribution.ROLE: _l("A supervisor"),
    Attribution.ROLE_AND_UNIT: _l("A supervisor, with the unit"),
    Attribution.NAME: _l("The author's name (with consent)"),
    FollowUp.MET: _l("Target met"),
    FollowUp.ON_TRACK: _l("On track"),
    FollowUp.NOT_MET: _l("Not met"),
    FollowUp.NO_DATA: _l("No data yet"),
    LeftOut.HIDDEN: _l("The original was hidden by a moderator."),
    LeftOut.WITHDRAWN: _l("The original was withdrawn by its author."),
    LeftOut.MERGED: _l("The idea was merged into another idea."),
    LeftOut.ERASED: _l("The author's account was erased."),
    LeftOut.CONTEXT_HIDDEN: _l("What the original was written on is hidden or back in draft."),
    LeftOut.IDEA_HIDDEN: _l(
        "The idea it came from is hidden: the measure stays, without its credit to the idea."
    ),
    LeftOut.ACTIVITY_DRAFT: _l("The activity is back in draft: participants no longer see it."),
}

ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("No access"),
    404: _l("Page not found"),
    405: _l("Not allowed"),
    413: _l("The upload is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}

ERROR_TEXTS = {
    400: _l("The request could not be understood. If you sent a form, reload the page and try again."),
    403: _l(
        "You do not have access to this page. If you think you should, contact the workspace's moderators."
    ),
    404: _l("The page you were looking for does not exist or has been moved."),
    405: _l("This address does not accept that kind of request."),
    413: _l("The file you sent is larger than allowed."),
    429: _l("You have made too many requests in a short time. Please wait a moment and try again."),
    500: _l("An unexpected error occurred. Nothing you sent was saved. Please try again."),
}


def label(value) -> str:
    """The translated name of an enum value."""
    return str(LABELS.get(value, value))


def choices(enum_cls) -> list[SelectChoice]:
    """The options of a select field for an enum: its values with their translated names."""
    return [SelectChoice(member.value, LABELS[member]) for member in enum_cls]


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a select field (WTForms deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


TEMPLATE_GLOBALS = {
    "label": label,
    "role_label": label,
    "status_label": label,
    "error_title": lambda code: str(ERROR_TITLES.get(code, ERROR_TITLES[500])),
    "error_text": lambda code: str(ERROR_TEXTS.get(code, ERROR_TEXTS[500])),
}
