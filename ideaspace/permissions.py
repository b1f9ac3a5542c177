"""The one place that answers "may this user do this to that?".

Views call `require(...)` with a predicate's answer; templates call the same predicates (they are
registered as Jinja globals), so a button is shown exactly when its route would allow it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, current_app, g, has_app_context, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from .auth import sessions
from .extensions import db
from .models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Comment,
    Idea,
    IdeaStatus,
    MemberRole,
    Membership,
    ResultsVisibility,
    Role,
    User,
    Workspace,
    WorkspaceAccess,
    WorkspaceStatus,
    utcnow,
)


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def viewer(user):
    """The person behind `current_user` (a proxy that resolves itself on every attribute read).

    Pages check many items against one person: resolving the proxy once keeps that cheap."""
    resolve = getattr(user, "_get_current_object", None)
    return resolve() if resolve is not None else user


def _facts() -> dict:
    """What this request already knows about who may do what in which workspace.

    Kept on `g`, which lives for one request (and is emptied between the test client's requests):
    a page asks "may this person moderate here?" for every comment, but the answer is worked out
    once. Keys hold every input an answer depends on except the membership (see forget_membership).
    """
    if not has_app_context():
        return {}
    facts = g.get("_memberships")
    if facts is None:
        facts = g._memberships = {}
    return facts


def membership_of(user, workspace: Workspace) -> Membership | None:
    """The user's membership of the workspace, loaded once per request."""
    if not _signed_in(user):
        return None
    facts = _facts()
    key = (user.id, workspace.id)
    if key not in facts:
        facts[key] = db.session.scalar(
            select(Membership).where(Membership.user_id == user.id, Membership.workspace_id == workspace.id)
        )
    return facts[key]


def remember_membership(user, workspace: Workspace, membership: Membership | None) -> None:
    """Seed membership_of with a membership loaded alongside the workspace (None: not a member),
    saving its own query; the predicates decide exactly as if membership_of had loaded it."""
    if _signed_in(user) and has_app_context():
        _facts()[(user.id, workspace.id)] = membership


def forget_membership(user, workspace: Workspace) -> None:
    """Forget what this request knew about memberships (after one was added or its role changed)."""
    if has_app_context():
        g.pop("_memberships", None)


def _memo(decide, user, workspace: Workspace) -> bool:
    """`decide(user, workspace)` once per request for this person (and role) and workspace (and its
    status and access); a role changed by an admin is a new question, not a stale answer."""
    key = (decide, user.id, user.role, workspace.id, workspace.status, workspace.access)
    facts = _facts()
    answer = facts.get(key)
    if answer is None:
        answer = facts[key] = decide(user, workspace)
    return answer


# --- the platform ---------------------------------------------------------------------------


def is_admin(user) -> bool:
    return _signed_in(user) and user.role is Role.ADMIN


def can_manage_users(user) -> bool:
    return is_admin(user)


def can_erase_user(user) -> bool:
    """Erase a person's identifying data (privacy): whoever manages users."""
    return can_manage_users(user)


def can_download_own_data(user) -> bool:
    """Download what is stored about oneself: any signed-in person."""
    return _signed_in(user)


def can_create_workspace(user) -> bool:
    return _signed_in(user) and user.role in (Role.ADMIN, Role.MODERATOR)


def can_preview_markdown(user) -> bool:
    """See typed Markdown rendered (the toolbar's preview): anyone signed in; nothing is stored."""
    return _signed_in(user)


def can_copy_workspace(user, workspace: Workspace) -> bool:
    """Copy a workspace's structure as a template: whoever may create workspaces and moderates it."""
    return can_create_workspace(user) and can_moderate(user, workspace)


def can_read_audit_log(user) -> bool:
    return is_admin(user)


# --- a workspace ----------------------------------------------------------------------------


def can_moderate(user, workspace: Workspace) -> bool:
    """Admins, and moderators the workspace names as its moderators."""
    if not _signed_in(user):
        return False
    return _memo(_moderates, user, workspace)


def _moderates(user, workspace: Workspace) -> bool:
    if is_admin(user):
        return True
    if user.role is not Role.MODERATOR:
        return False
    membership = membership_of(user, workspace)
    return membership is not None and membership.role is MemberRole.MODERATOR


def can_view_workspace(user, workspace: Workspace) -> bool:
    """Its moderators and admins always; once it is no longer a draft, observers (the management
    group reads every process), and whoever it lets in: everyone signed in, or those invited.

    A platform moderator is no exception: in a workspace they do not moderate they are invited or
    kept out like anyone else (README, "Roles": HR staff see the processes they run, not every
    invite-only consultation of the city)."""
    if not _signed_in(user):
        return False
    return _memo(_views, user, workspace)


def _views(user, workspace: Workspace) -> bool:
    if can_moderate(user, workspace):
        return True
    if workspace.status is WorkspaceStatus.DRAFT:
        return False
    if user.role is Role.OBSERVER:
        return True
    return workspace.access is WorkspaceAccess.ALL_USERS or membership_of(user, workspace) is not None


def can_participate(user, workspace: Workspace) -> bool:
    """May write in the workspace: comment, answer, post notes and ideas."""
    if not _signed_in(user) or user.role is Role.OBSERVER:
        return False
    if workspace.status is not WorkspaceStatus.OPEN:
        return False
    return _memo(_participates, user, workspace)


def _participates(user, workspace: Workspace) -> bool:
    if can_moderate(user, workspace):
        return True
    return workspace.access is WorkspaceAccess.ALL_USERS or membership_of(user, workspace) is not None


def can_view_statistics(user, workspace: Workspace) -> bool:
    if can_moderate(user, workspace):
        return True
    return _signed_in(user) and user.role is Role.OBSERVER and workspace.status is not WorkspaceStatus.DRAFT


def can_invite(user, workspace: Workspace) -> bool:
    return can_moderate(user, workspace)


def can_export(user, workspace: Workspace) -> bool:
    return can_moderate(user, workspace)


def can_export_content(user, workspace: Workspace) -> bool:
    """Download every comment, note and idea (hidden ones and named authors included) for analysis:
    the workspace's moderators and admins, not observers (they read results, not raw content)."""
    return can_moderate(user, workspace)


# --- the programme draft and its quotes (programme) ------------------------------------------


def can_edit_programme(user, workspace: Workspace) -> bool:
    """Choose what goes into the programme, order it, and publish versions."""
    return can_moderate(user, workspace)


def can_read_programme(user, workspace: Workspace) -> bool:
    """Read the draft's preview and its published versions: moderators, and observers (the
    management group) once the workspace is no longer a draft."""
    if can_moderate(user, workspace):
        return True
    return _signed_in(user) and user.role is Role.OBSERVER and workspace.status is not WorkspaceStatus.DRAFT


def can_pick_quote(user, workspace: Workspace) -> bool:
    return can_moderate(user, workspace)


def can_read_clusters(user, workspace: Workspace) -> bool:
    """The clusters of what people wrote (every comment, note and idea of a scope, drafts too)."""
    return can_moderate(user, workspace)


def can_edit_clusters(user, workspace: Workspace) -> bool:
    """Name clusters, move items between them, send a summary to the programme draft."""
    return can_moderate(user, workspace)


# --- exports and the yearly follow-up (exports, followup) ------------------------------------


def can_export_version(user, workspace: Workspace) -> bool:
    """Download a published version of the programme (not the live draft, not the workspace
    JSON): whoever may read the published versions, observers included."""
    return can_read_programme(user, workspace)


def can_view_follow_up(user, workspace: Workspace) -> bool:
    """See the indicators' yearly readings: moderators, and observers once the workspace is open."""
    return can_read_programme(user, workspace)


def can_record_readings(user, workspace: Workspace) -> bool:
    """Add, change and delete the yearly readings of the indicators."""
    return can_moderate(user, workspace)


# --- activities -----------------------------------------------------------------------------


def activity_is_open(activity: Activity, workspace: Workspace) -> bool:
    return workspace.status is WorkspaceStatus.OPEN and activity.status is ActivityStatus.OPEN


def activity_is_closed(activity: Activity, workspace: Workspace) -> bool:
    return activity.status is ActivityStatus.CLOSED or workspace.status in (
        WorkspaceStatus.CLOSED,
        WorkspaceStatus.ARCHIVED,
    )


def can_view_activity(user, activity: Activity, workspace: Workspace) -> bool:
    if activity.status is ActivityStatus.DRAFT:
        return can_moderate(user, workspace)
    return can_view_workspace(user, workspace)


def can_answer(user, activity: Activity, workspace: Workspace) -> bool:
    return (
        activity.kind.is_answered
        and activity_is_open(activity, workspace)
        and can_participate(user, workspace)
    )


def can_post_in(user, activity: Activity, workspace: Workspace) -> bool:
    """Comment on, post a note to, or drop an idea into an open activity."""
    return activity_is_open(activity, workspace) and can_participate(user, workspace)


def can_change_answer(user, activity: Activity, workspace: Workspace) -> bool:
    """Non-anonymous answers can be changed while open, unless the activity makes them final."""
    return can_answer(user, activity, workspace) and activity.answers_changeable and not activity.is_anonymous


def can_see_results(user, activity: Activity, workspace: Workspace, has_answered: bool) -> bool:
    if can_moderate(user, workspace):
        return True
    if not can_view_activity(user, activity, workspace):
        return False
    rule = activity.results_visibility
    if rule is ResultsVisibility.ALWAYS:
        return True
    if rule is ResultsVisibility.AFTER_ANSWERING:
        return has_answered or activity_is_closed(activity, workspace)
    if rule is ResultsVisibility.AFTER_CLOSING:
        return activity_is_closed(activity, workspace)
    return False


# --- what people wrote ----------------------------------------------------------------------


def can_edit_comment(user, comment: Comment, now: datetime | None = None) -> bool:
    if not _signed_in(user) or comment.author_id != user.id or comment.withdrawn_at or comment.hidden_at:
        return False
    window = timedelta(minutes=current_app.config["COMMENT_EDIT_MINUTES"])
    return (now or utcnow()) - comment.created_at <= window


def can_withdraw_comment(user, comment: Comment) -> bool:
    return _signed_in(user) and comment.author_id == user.id and comment.withdrawn_at is None


def can_comment_on(user, target, workspace: Workspace) -> bool:
    """Comment on (or reply within) a theme, a measure, an open discussion activity or a visible idea."""
    if isinstance(target, Activity):
        return target.kind is ActivityKind.DISCUSSION and can_post_in(user, target, workspace)
    if isinstance(target, Idea) and target.hidden_at is not None:
        return False
    return can_participate(user, workspace)


def can_like_comment(user, comment: Comment, target, workspace: Workspace) -> bool:
    """Like (or unlike) someone else's visible comment where commenting is open."""
    return can_comment_on(user, target, workspace) and is_likeable_by(user, comment)


def is_likeable_by(user, comment: Comment) -> bool:
    """The comment half of can_like_comment: visible, and someone else's. A thread asks
    can_comment_on once for the target, then this for each of its comments."""
    return comment.withdrawn_at is None and comment.hidden_at is None and comment.author_id != user.id


def can_post_for_unit(user, workspace: Workspace) -> bool:
    """A supervisor (a participant with a unit) may write on behalf of their unit."""
    return (
        _signed_in(user)
        and user.role is Role.PARTICIPANT
        and user.unit_id is not None
        and can_participate(user, workspace)
    )


def can_support_idea(user, idea: Idea, workspace: Workspace, collections=()) -> bool:
    """Support (or withdraw support from) a visible idea while the idea barrel is open."""
    return can_support_ideas(user, workspace, collections) and is_supportable(idea, workspace)


def can_support_ideas(user, workspace: Workspace, collections=()) -> bool:
    """The workspace half of can_support_idea: the idea barrel is open and the person may write
    here (can_participate, answered once per request). A list of ideas asks this once, then
    is_supportable for each idea."""
    return is_idea_barrel_open(workspace, collections) and can_participate(user, workspace)


def is_supportable(idea: Idea, workspace: Workspace) -> bool:
    """The idea half of can_support_idea: a visible idea of this workspace that was not merged into
    another (its supporters moved there; supporting it goes to that idea, see ideas.views.support)."""
    return (
        idea.hidden_at is None and idea.workspace_id == workspace.id and idea.status is not IdeaStatus.MERGED
    )


# --- the idea barrel ------------------------------------------------------------------------


def is_idea_barrel_open(workspace: Workspace, collections) -> bool:
    """Ideas are dropped in and supported while the workspace and one of its idea collections
    (activities of kind "ideas", given as `collections`) are open."""
    return any(
        activity.kind is ActivityKind.IDEAS and activity_is_open(activity, workspace)
        for activity in collections
    )


def can_submit_idea(user, workspace: Workspace, collections) -> bool:
    return is_idea_barrel_open(workspace, collections) and can_participate(user, workspace)


def can_view_idea(user, idea: Idea, workspace: Workspace) -> bool:
    """Hidden ideas stay visible to moderators and to their own author (who sees why)."""
    if idea.workspace_id != workspace.id or not can_view_workspace(user, workspace):
        return False
    return idea.hidden_at is None or can_view_hidden(user, workspace) or idea.author_id == user.id


def can_change_idea_status(user, workspace: Workspace) -> bool:
    return can_moderate(user, workspace)


def can_view_hidden(user, workspace: Workspace) -> bool:
    return can_moderate(user, workspace)


# --- moderation: reports, hiding, the queue, promoting ideas (moderation) ---------------------


def can_report(user, workspace: Workspace) -> bool:
    """Report a comment, note or idea: people who may read the workspace and write in it (not
    observers, who only read), unless they moderate it (they hide content themselves)."""
    return (
        _signed_in(user)
        and user.role is not Role.OBSERVER
        and can_view_workspace(user, workspace)
        and not can_moderate(user, workspace)
    )


def can_hide_content(user, workspace: Workspace) -> bool:
    return can_moderate(user, workspace)


def can_promote_idea(user, workspace: Workspace) -> bool:
    return can_moderate(user, workspace)


# --- images: covers of workspaces and themes, pictures of ideas (ideaspace/images) -----------


def can_view_image(user, image, workspace: Workspace, idea: Idea | None = None) -> bool:
    """Whoever may read what the image belongs to: the workspace, or the idea (a hidden idea's
    picture only to its moderators and author, like the idea itself)."""
    if image.workspace_id != workspace.id or not can_view_workspace(user, workspace):
        return False
    if image.idea_id is None:
        return True
    return idea is not None and idea.id == image.idea_id and can_view_idea(user, idea, workspace)


def can_change_cover(user, workspace: Workspace) -> bool:
    """Set or remove the cover image of a workspace or of its themes: its moderators."""
    return can_moderate(user, workspace)


def can_change_idea_image(user, idea: Idea, workspace: Workspace) -> bool:
    """Add, replace or remove an idea's picture: its named author, while they may still write in
    the workspace and the idea is not hidden (an anonymous idea has no author to ask)."""
    return (
        _signed_in(user)
        and idea.workspace_id == workspace.id
        and idea.author_id is not None
        and idea.author_id == user.id
        and idea.hidden_at is None
        and can_participate(user, workspace)
    )


def can_edit_user(actor, target: User) -> bool:
    return is_admin(actor)


def can_back_up_workspace(user) -> bool:
    """Download a workspace's full backup (the pending pool, who answered when): admins only, as
    safe as the database itself (each download in sudo mode too)."""
    return is_admin(user)


def can_change_settings(user) -> bool:
    """See and change the instance settings (each change in sudo mode too)."""
    return is_admin(user)


def can_confirm_identity(user) -> bool:
    """Confirm who one is for sudo mode: anyone signed in who has a password, or, while single
    sign-on is on, anyone (a fresh sign-in at the provider, ideaspace/sso)."""
    return _signed_in(user) and (bool(user.password_hash) or is_single_sign_on_on())


def is_password_sign_in_on() -> bool:
    """The instance lets people sign in with a password (the admins' `password_sign_in` setting);
    when off, the password pages and links are gone and password posts are refused."""
    from .settings import service as settings

    return bool(settings.get("password_sign_in"))


def is_single_sign_on_on() -> bool:
    """The instance offers OpenID Connect single sign-on: OIDC_ISSUER is configured (docs/sso.md).
    It stays on when password sign-in is turned off."""
    from flask import current_app

    return bool(current_app.config.get("OIDC_ISSUER"))


def can_set_password(user) -> bool:
    """Set, change or reset one's own password: anyone signed in, while password sign-in is on."""
    return _signed_in(user) and is_password_sign_in_on()


def in_sudo_mode(user) -> bool:
    """The person re-authenticated in this session within the last SUDO_MINUTES (10 by default):
    needed to change a role, deactivate someone, or change an instance setting."""
    return _signed_in(user) and sessions.in_sudo_mode(getattr(viewer(user), "current_session", None))


# --- live workshops (ideaspace/workshops, docs/workshops.md) ------------------------------------


def can_facilitate(user, workspace: Workspace) -> bool:
    """Start a live workshop from a theme: a supervisor (a participant with a unit) who may write
    in the workspace, or its moderators and admins (who choose the unit when they have none)."""
    if not can_participate(user, workspace):
        return False
    return can_moderate(user, workspace) or (user.role is Role.PARTICIPANT and user.unit_id is not None)


def can_run_workshop(user, workshop, workspace: Workspace) -> bool:
    """Pace a session, hold and approve guests' posts, reveal results, present it: its facilitator,
    and the workspace's moderators and admins. Hiding and reports stay with moderators."""
    if not _signed_in(user) or workshop.workspace_id != workspace.id:
        return False
    return workshop.facilitator_id == user.id or can_moderate(user, workspace)


def can_take_part_as_guest(guest, workshop) -> bool:
    """A guest device answers and posts in the live session it joined, and nowhere else."""
    return guest is not None and guest.workshop_id == workshop.id and workshop.is_live()


# --- enforcing ------------------------------------------------------------------------------


def require(allowed: bool):
    """Stop the request unless allowed: to sign-in when nobody is signed in, else 403."""
    if allowed:
        return
    if not _signed_in(current_user):
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    abort(403)


class SudoRequired(Forbidden):
    """Raised by require_sudo; ideaspace.auth asks for the password and carries the request on."""


def require_sudo() -> None:
    """Stop the request unless the person is in sudo mode: a page goes to the password
    confirmation and comes back; a form gets the confirmation there and then, keeping its data."""
    if not in_sudo_mode(current_user):
        raise SudoRequired()


PREDICATES = {
    name: obj
    for name, obj in list(globals().items())
    if callable(obj) and name.startswith(("can_", "is_", "activity_is", "in_sudo"))
}
