"""Every model, importable from one place (and registered on the metadata for Alembic)."""

from .activity import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Answer,
    AnswerChoice,
    Option,
    Respondent,
    ResultsVisibility,
)
from .audit import AuditLog, SigninToken
from .ballot import Ballot, BallotKind, RetiredIdea
from .base import LANGUAGES, LocalizedText, utcnow
from .content import Comment, CommentLike, Note, NoteGroup, Report
from .idea import Idea, IdeaStatus, IdeaStatusChange, IdeaSupport
from .image import Image, ImageVariant
from .notification import MailOptOut, MailText, Notification, NotificationSetting
from .org import Role, Unit, User
from .outbox import OutboxMessage
from .programme import Comparator, Indicator, IndicatorReading, Measure, MeasureStatus, ProgrammeSnapshot
from .quote import Attribution, Quote
from .session import UserSession
from .setting import InstanceSetting
from .workspace import MemberRole, Membership, Theme, Visit, Workspace, WorkspaceAccess, WorkspaceStatus

__all__ = [
    "LANGUAGES",
    "Activity",
    "ActivityKind",
    "ActivityStatus",
    "Answer",
    "AnswerChoice",
    "Attribution",
    "AuditLog",
    "Ballot",
    "BallotKind",
    "Comment",
    "CommentLike",
    "Comparator",
    "Idea",
    "IdeaStatus",
    "IdeaStatusChange",
    "IdeaSupport",
    "Image",
    "ImageVariant",
    "Indicator",
    "IndicatorReading",
    "InstanceSetting",
    "LocalizedText",
    "MailOptOut",
    "MailText",
    "Measure",
    "MeasureStatus",
    "MemberRole",
    "Membership",
    "Note",
    "Notification",
    "NotificationSetting",
    "NoteGroup",
    "Option",
    "OutboxMessage",
    "ProgrammeSnapshot",
    "Quote",
    "Report",
    "Respondent",
    "RetiredIdea",
    "ResultsVisibility",
    "Role",
    "SigninToken",
    "Theme",
    "Unit",
    "User",
    "UserSession",
    "Visit",
    "Workspace",
    "WorkspaceAccess",
    "WorkspaceStatus",
    "utcnow",
]
