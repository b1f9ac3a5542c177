"""The permission matrix: role × workspace status × access, and activity-level gates.

The expected answers are written out as tables, row by row, from the roles in DESIGN.md; they are not
computed by re-implementing the rules. Roles (in this order in the activity tables):

- anonymous: nobody signed in
- participant: a participant who was not invited to the workspace
- member: a participant who was invited (a membership)
- observer: an observer, not invited
- moderator: a moderator whom the workspace does not name as its moderator (and did not invite:
  an invite-only workspace is closed to them, README "Workspace access")
- ws_moderator: a moderator named as the workspace's moderator (membership role moderator)
- admin: an administrator, not invited
"""

import pytest
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import Forbidden, HTTPException

from ideaspace import permissions as p
from ideaspace.models import (
    ActivityKind,
    ActivityStatus,
    MemberRole,
    ResultsVisibility,
    Role,
    WorkspaceAccess,
    WorkspaceStatus,
)

Y, N = True, False
ROLES = ["anonymous", "participant", "member", "observer", "moderator", "ws_moderator", "admin"]

WORKSPACE = {
    # (role, status, access): (view, participate, moderate, statistics)
    ("anonymous", "draft", "invited"): (N, N, N, N),
    ("anonymous", "draft", "all_users"): (N, N, N, N),
    ("anonymous", "open", "invited"): (N, N, N, N),
    ("anonymous", "open", "all_users"): (N, N, N, N),
    ("anonymous", "closed", "invited"): (N, N, N, N),
    ("anonymous", "closed", "all_users"): (N, N, N, N),
    ("anonymous", "archived", "invited"): (N, N, N, N),
    ("anonymous", "archived", "all_users"): (N, N, N, N),
    ("participant", "draft", "invited"): (N, N, N, N),
    ("participant", "draft", "all_users"): (N, N, N, N),
    ("participant", "open", "invited"): (N, N, N, N),
    ("participant", "open", "all_users"): (Y, Y, N, N),
    ("participant", "closed", "invited"): (N, N, N, N),
    ("participant", "closed", "all_users"): (Y, N, N, N),
    ("participant", "archived", "invited"): (N, N, N, N),
    ("participant", "archived", "all_users"): (Y, N, N, N),
    ("member", "draft", "invited"): (N, N, N, N),
    ("member", "draft", "all_users"): (N, N, N, N),
    ("member", "open", "invited"): (Y, Y, N, N),
    ("member", "open", "all_users"): (Y, Y, N, N),
    ("member", "closed", "invited"): (Y, N, N, N),
    ("member", "closed", "all_users"): (Y, N, N, N),
    ("member", "archived", "invited"): (Y, N, N, N),
    ("member", "archived", "all_users"): (Y, N, N, N),
    ("observer", "draft", "invited"): (N, N, N, N),
    ("observer", "draft", "all_users"): (N, N, N, N),
    ("observer", "open", "invited"): (Y, N, N, Y),
    ("observer", "open", "all_users"): (Y, N, N, Y),
    ("observer", "closed", "invited"): (Y, N, N, Y),
    ("observer", "closed", "all_users"): (Y, N, N, Y),
    ("observer", "archived", "invited"): (Y, N, N, Y),
    ("observer", "archived", "all_users"): (Y, N, N, Y),
    ("moderator", "draft", "invited"): (N, N, N, N),
    ("moderator", "draft", "all_users"): (N, N, N, N),
    ("moderator", "open", "invited"): (N, N, N, N),
    ("moderator", "open", "all_users"): (Y, Y, N, N),
    ("moderator", "closed", "invited"): (N, N, N, N),
    ("moderator", "closed", "all_users"): (Y, N, N, N),
    ("moderator", "archived", "invited"): (N, N, N, N),
    ("moderator", "archived", "all_users"): (Y, N, N, N),
    ("ws_moderator", "draft", "invited"): (Y, N, Y, Y),
    ("ws_moderator", "draft", "all_users"): (Y, N, Y, Y),
    ("ws_moderator", "open", "invited"): (Y, Y, Y, Y),
    ("ws_moderator", "open", "all_users"): (Y, Y, Y, Y),
    ("ws_moderator", "closed", "invited"): (Y, N, Y, Y),
    ("ws_moderator", "closed", "all_users"): (Y, N, Y, Y),
    ("ws_moderator", "archived", "invited"): (Y, N, Y, Y),
    ("ws_moderator", "archived", "all_users"): (Y, N, Y, Y),
    ("admin", "draft", "invited"): (Y, N, Y, Y),
    ("admin", "draft", "all_users"): (Y, N, Y, Y),
    ("admin", "open", "invited"): (Y, Y, Y, Y),
    ("admin", "open", "all_users"): (Y, Y, Y, Y),
    ("admin", "closed", "invited"): (Y, N, Y, Y),
    ("admin", "closed", "all_users"): (Y, N, Y, Y),
    ("admin", "archived", "invited"): (Y, N, Y, Y),
    ("admin", "archived", "all_users"): (Y, N, Y, Y),
}

ANSWER = {
    # (access, workspace status, activity status): who may answer a poll, in ROLES order
    ("invited", "draft", "draft"): "-------",
    ("invited", "draft", "open"): "-------",
    ("invited", "draft", "closed"): "-------",
    ("invited", "open", "draft"): "-------",
    ("invited", "open", "open"): "--Y--YY",
    ("invited", "open", "closed"): "-------",
    ("invited", "closed", "draft"): "-------",
    ("invited", "closed", "open"): "-------",
    ("invited", "closed", "closed"): "-------",
    ("invited", "archived", "draft"): "-------",
    ("invited", "archived", "open"): "-------",
    ("invited", "archived", "closed"): "-------",
    ("all_users", "draft", "draft"): "-------",
    ("all_users", "draft", "open"): "-------",
    ("all_users", "draft", "closed"): "-------",
    ("all_users", "open", "draft"): "-------",
    ("all_users", "open", "open"): "-YY-YYY",
    ("all_users", "open", "closed"): "-------",
    ("all_users", "closed", "draft"): "-------",
    ("all_users", "closed", "open"): "-------",
    ("all_users", "closed", "closed"): "-------",
    ("all_users", "archived", "draft"): "-------",
    ("all_users", "archived", "open"): "-------",
    ("all_users", "archived", "closed"): "-------",
}

RESULTS = {
    # (rule, workspace status, activity status, has answered): who sees results, in ROLES order
    ("always", "open", "draft", False): "-----YY",
    ("always", "open", "draft", True): "-----YY",
    ("always", "open", "open", False): "--YY-YY",
    ("always", "open", "open", True): "--YY-YY",
    ("always", "open", "closed", False): "--YY-YY",
    ("always", "open", "closed", True): "--YY-YY",
    ("always", "closed", "draft", False): "-----YY",
    ("always", "closed", "draft", True): "-----YY",
    ("always", "closed", "open", False): "--YY-YY",
    ("always", "closed", "open", True): "--YY-YY",
    ("always", "closed", "closed", False): "--YY-YY",
    ("always", "closed", "closed", True): "--YY-YY",
    ("after_answering", "open", "draft", False): "-----YY",
    ("after_answering", "open", "draft", True): "-----YY",
    ("after_answering", "open", "open", False): "-----YY",
    ("after_answering", "open", "open", True): "--YY-YY",
    ("after_answering", "open", "closed", False): "--YY-YY",
    ("after_answering", "open", "closed", True): "--YY-YY",
    ("after_answering", "closed", "draft", False): "-----YY",
    ("after_answering", "closed", "draft", True): "-----YY",
    ("after_answering", "closed", "open", False): "--YY-YY",
    ("after_answering", "closed", "open", True): "--YY-YY",
    ("after_answering", "closed", "closed", False): "--YY-YY",
    ("after_answering", "closed", "closed", True): "--YY-YY",
    ("after_closing", "open", "draft", False): "-----YY",
    ("after_closing", "open", "draft", True): "-----YY",
    ("after_closing", "open", "open", False): "-----YY",
    ("after_closing", "open", "open", True): "-----YY",
    ("after_closing", "open", "closed", False): "--YY-YY",
    ("after_closing", "open", "closed", True): "--YY-YY",
    ("after_closing", "closed", "draft", False): "-----YY",
    ("after_closing", "closed", "draft", True): "-----YY",
    ("after_closing", "closed", "open", False): "--YY-YY",
    ("after_closing", "closed", "open", True): "--YY-YY",
    ("after_closing", "closed", "closed", False): "--YY-YY",
    ("after_closing", "closed", "closed", True): "--YY-YY",
    ("moderators", "open", "draft", False): "-----YY",
    ("moderators", "open", "draft", True): "-----YY",
    ("moderators", "open", "open", False): "-----YY",
    ("moderators", "open", "open", True): "-----YY",
    ("moderators", "open", "closed", False): "-----YY",
    ("moderators", "open", "closed", True): "-----YY",
    ("moderators", "closed", "draft", False): "-----YY",
    ("moderators", "closed", "draft", True): "-----YY",
    ("moderators", "closed", "open", False): "-----YY",
    ("moderators", "closed", "open", True): "-----YY",
    ("moderators", "closed", "closed", False): "-----YY",
    ("moderators", "closed", "closed", True): "-----YY",
}


def people(make, workspace):
    """One person per role; the member and the workspace's moderator are invited to `workspace`."""
    member = make.user(Role.PARTICIPANT)
    make.member(workspace, member)
    ws_moderator = make.user(Role.MODERATOR)
    make.member(workspace, ws_moderator, MemberRole.MODERATOR)
    return {
        "anonymous": AnonymousUserMixin(),
        "participant": make.user(Role.PARTICIPANT),
        "member": member,
        "observer": make.user(Role.OBSERVER),
        "moderator": make.user(Role.MODERATOR),
        "ws_moderator": ws_moderator,
        "admin": make.user(Role.ADMIN),
    }


def row(answers: dict) -> str:
    return "".join("Y" if answers[role] else "-" for role in ROLES)


def test_the_tables_are_complete():
    assert len(WORKSPACE) == len(ROLES) * 4 * 2
    assert len(ANSWER) == 2 * 4 * 3
    assert len(RESULTS) == 4 * 2 * 3 * 2


@pytest.mark.parametrize("status", ["draft", "open", "closed", "archived"])
@pytest.mark.parametrize("access", ["invited", "all_users"])
def test_workspace_matrix(make, status, access):
    workspace = make.workspace(WorkspaceStatus(status), access=WorkspaceAccess(access))
    everyone = people(make, workspace)
    for role, user in everyone.items():
        actual = (
            p.can_view_workspace(user, workspace),
            p.can_participate(user, workspace),
            p.can_moderate(user, workspace),
            p.can_view_statistics(user, workspace),
        )
        assert actual == WORKSPACE[(role, status, access)], (role, status, access)
        # Inviting, exporting and seeing hidden content follow moderation exactly.
        assert p.can_invite(user, workspace) == p.can_export(user, workspace) == actual[2]
        assert p.can_view_hidden(user, workspace) == actual[2]


@pytest.mark.parametrize("key", list(ANSWER), ids=lambda key: "-".join(key))
def test_who_may_answer_a_poll(make, key):
    access, ws_status, act_status = key
    workspace = make.workspace(WorkspaceStatus(ws_status), access=WorkspaceAccess(access))
    activity = make.activity(
        make.theme(workspace), ActivityKind.SINGLE_CHOICE, options=2, status=ActivityStatus(act_status)
    )
    everyone = people(make, workspace)
    assert row({r: p.can_answer(u, activity, workspace) for r, u in everyone.items()}) == ANSWER[key]


@pytest.mark.parametrize("key", list(RESULTS), ids=lambda key: "-".join(map(str, key)))
def test_who_sees_results(make, key):
    rule, ws_status, act_status, answered = key
    workspace = make.workspace(WorkspaceStatus(ws_status), access=WorkspaceAccess.INVITED)
    activity = make.activity(
        make.theme(workspace),
        ActivityKind.SINGLE_CHOICE,
        options=2,
        status=ActivityStatus(act_status),
        results_visibility=ResultsVisibility(rule),
    )
    everyone = people(make, workspace)
    actual = row({r: p.can_see_results(u, activity, workspace, answered) for r, u in everyone.items()})
    assert actual == RESULTS[key]


# --- edges the tables do not show ---------------------------------------------------------


def test_only_answered_kinds_are_answered(make):
    workspace = make.workspace(WorkspaceStatus.OPEN)
    theme = make.theme(workspace)
    member = make.user(Role.PARTICIPANT)
    make.member(workspace, member)
    answered = {ActivityKind.SINGLE_CHOICE, ActivityKind.MULTIPLE_CHOICE, ActivityKind.SCALE}
    for kind in ActivityKind:
        activity = make.activity(theme, kind)
        assert p.can_answer(member, activity, workspace) is (kind in answered), kind
        assert p.can_post_in(member, activity, workspace), kind


def test_answers_can_be_changed_only_when_allowed_and_not_anonymous(make):
    workspace = make.workspace(WorkspaceStatus.OPEN)
    theme = make.theme(workspace)
    member = make.user(Role.PARTICIPANT)
    make.member(workspace, member)
    changeable = make.activity(theme, answers_changeable=True, is_anonymous=False)
    final = make.activity(theme, answers_changeable=False, is_anonymous=False)
    anonymous = make.activity(theme, answers_changeable=True, is_anonymous=True)
    closed = make.activity(theme, answers_changeable=True, status=ActivityStatus.CLOSED)
    assert p.can_change_answer(member, changeable, workspace)
    assert not p.can_change_answer(member, final, workspace)
    assert not p.can_change_answer(member, anonymous, workspace)
    assert not p.can_change_answer(member, closed, workspace)


def test_a_participant_named_as_moderator_does_not_moderate(make):
    workspace = make.workspace(WorkspaceStatus.OPEN)
    participant = make.user(Role.PARTICIPANT)
    make.member(workspace, participant, MemberRole.MODERATOR)
    assert not p.can_moderate(participant, workspace)
    assert p.can_participate(participant, workspace)


def test_an_invited_observer_still_cannot_write(make):
    workspace = make.workspace(WorkspaceStatus.OPEN)
    observer = make.user(Role.OBSERVER)
    make.member(workspace, observer)
    assert p.can_view_workspace(observer, workspace)
    assert not p.can_participate(observer, workspace)


@pytest.mark.parametrize(
    "role, manage, create_workspace",
    [
        (None, N, N),
        (Role.PARTICIPANT, N, N),
        (Role.OBSERVER, N, N),
        (Role.MODERATOR, N, Y),
        (Role.ADMIN, Y, Y),
    ],
)
def test_platform_permissions(make, role, manage, create_workspace):
    user = AnonymousUserMixin() if role is None else make.user(role)
    assert p.can_manage_users(user) is manage
    assert p.can_read_audit_log(user) is manage
    assert p.is_admin(user) is manage
    assert p.can_create_workspace(user) is create_workspace
    if role is not None:
        assert p.can_edit_user(user, make.user()) is manage


def test_require_sends_anonymous_visitors_to_sign_in_and_refuses_others(app, make, login, client):
    with app.test_request_context("/admin/users?q=x"):
        p.require(True)  # allowed: nothing happens
        with pytest.raises(HTTPException) as stopped:
            p.require(False)
        assert stopped.value.response.status_code == 302
        assert stopped.value.response.location == "/login?next=/admin/users?q%3Dx"
    user = make.user()
    with app.test_request_context("/admin/users"):
        from flask_login import login_user

        login_user(user)
        with pytest.raises(Forbidden):
            p.require(False)


# --- the per-request memo -------------------------------------------------------------------


def test_a_page_works_out_each_persons_facts_once(make, count_queries):
    """A page asks "may this person moderate, write here?" for every item: one membership query."""
    from flask import g

    g.__dict__.pop("_memberships", None)
    workspace = make.workspace(WorkspaceStatus.OPEN)
    everyone = people(make, workspace)
    member, ws_moderator = everyone["member"], everyone["ws_moderator"]
    _loaded = (member.id, member.role, ws_moderator.id, ws_moderator.role, workspace.status, workspace.access)
    with count_queries() as statements:
        for _ in range(100):
            assert p.can_participate(member, workspace) and not p.can_moderate(member, workspace)
            assert p.can_moderate(ws_moderator, workspace) and p.can_view_workspace(ws_moderator, workspace)
    assert len(statements) == 2, statements  # each person's membership, once


def test_the_memo_holds_within_a_request_but_a_changed_role_or_workspace_is_a_new_question(make):
    from flask import g

    g.__dict__.pop("_memberships", None)
    workspace = make.workspace(WorkspaceStatus.OPEN)
    admin, participant = make.user(Role.ADMIN), make.user(Role.PARTICIPANT)
    assert p.can_moderate(admin, workspace) and not p.can_participate(participant, workspace)
    admin.role = Role.PARTICIPANT  # an administrator took their own role away in this request
    assert not p.can_moderate(admin, workspace)
    workspace.access = WorkspaceAccess.ALL_USERS
    assert p.can_participate(participant, workspace)
    workspace.status = WorkspaceStatus.CLOSED
    assert not p.can_participate(participant, workspace) and p.can_view_workspace(participant, workspace)
    # A membership added in this request counts once the request forgets what it knew.
    invited = make.workspace(WorkspaceStatus.OPEN)
    assert not p.can_participate(participant, invited)
    make.member(invited, participant)
    p.forget_membership(participant, invited)
    assert p.can_participate(participant, invited)


def test_nothing_is_remembered_from_one_request_to_the_next(make, client, login, session):
    """A moderator whose workspace role is taken away sees it on the very next page."""
    workspace = make.workspace(WorkspaceStatus.OPEN)
    theme = make.theme(workspace)
    moderator = make.user(Role.MODERATOR)
    membership = make.member(workspace, moderator, MemberRole.MODERATOR)
    session.commit()
    login(moderator)
    page = f"/w/{workspace.slug}/themes/{theme.id}"
    assert "Manage this theme" in client.get(page).text
    membership.role = MemberRole.PARTICIPANT
    session.commit()
    assert "Manage this theme" not in client.get(page).text
    assert client.get(f"/w/{workspace.slug}/manage/themes/{theme.id}/").status_code == 403
    membership.role = MemberRole.MODERATOR
    session.commit()
    assert "Manage this theme" in client.get(page).text


def test_a_platform_moderator_acts_only_where_named_and_reads_only_where_invited(make):
    """Issue #11: a moderator read every non-draft invite-only workspace. Now they are a participant
    outside the workspaces they moderate: invited, they read and take part; not invited, nothing."""
    from ideaspace.workspaces.service import visible_workspaces

    moderator = make.user(Role.MODERATOR)
    theirs = make.workspace(WorkspaceStatus.OPEN)
    make.member(theirs, moderator, MemberRole.MODERATOR)
    invited = make.workspace(WorkspaceStatus.OPEN)
    make.member(invited, moderator)
    closed_to_them = make.workspace(WorkspaceStatus.OPEN)
    open_to_all = make.workspace(WorkspaceStatus.CLOSED, access=WorkspaceAccess.ALL_USERS)
    assert p.can_moderate(moderator, theirs) and p.can_view_statistics(moderator, theirs)
    assert p.can_view_workspace(moderator, invited) and p.can_participate(moderator, invited)
    assert not p.can_moderate(moderator, invited) and not p.can_view_statistics(moderator, invited)
    assert not p.can_view_workspace(moderator, closed_to_them)
    assert not p.can_report(moderator, closed_to_them)
    assert p.can_view_workspace(moderator, open_to_all) and not p.can_participate(moderator, open_to_all)
    assert p.can_create_workspace(moderator)
    listed = {w.id for w in visible_workspaces(moderator)}
    assert {theirs.id, invited.id, open_to_all.id} <= listed and closed_to_them.id not in listed
