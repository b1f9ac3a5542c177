"""Bulk moderation: several queue items hidden, dismissed or marked reviewed at once, one reason,
an audit entry per item; bad selections change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.models import AuditLog, Report
from ideaspace.moderation import bulk, service

from .test_views import ROLES_REFUSED


def entries(session, action, ws):
    return list(
        session.scalars(
            select(AuditLog)
            .where(AuditLog.action == action, AuditLog.workspace_id == ws.id)
            .order_by(AuditLog.id)
        )
    )


def audit_count(session, ws):
    return session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.workspace_id == ws.id))


def keys(world):
    return [f"comment-{world.comment.id}", f"note-{world.note.id}", f"idea-{world.idea.id}"]


def open_reports(session, ws):
    return session.scalar(
        select(func.count(Report.id)).where(Report.workspace_id == ws.id, Report.resolved_at.is_(None))
    )


# --- the service ---------------------------------------------------------------------------------


def test_hide_several_with_one_reason_audited_per_item(world, session):
    service.report(world.member, world.ws, world.comment, "Loukkaava")
    result = bulk.apply(world.moderator, world.ws, "hide", keys(world), "  Asiaton sisältö ")
    assert [service.kind_of(i) for i in result.done] == ["comment", "note", "idea"] and not result.skipped
    for item in (world.comment, world.note, world.idea):
        assert item.hidden_at is not None and item.hidden_reason == "Asiaton sisältö"
        assert item.hidden_by_id == world.moderator.id
    logged = entries(session, "content.hidden", world.ws)
    assert sorted((e.object_type, e.object_id) for e in logged) == sorted(
        [("comment", world.comment.id), ("note", world.note.id), ("idea", world.idea.id)]
    )
    assert {e.reason for e in logged} == {"Asiaton sisältö"} and {e.actor_id for e in logged} == {
        world.moderator.id
    }
    assert open_reports(session, world.ws) == 0  # hiding resolves the reports


def test_hide_skips_what_is_already_hidden(world, session):
    service.hide(world.moderator, world.note, "Ennestään")
    result = bulk.apply(world.moderator, world.ws, "hide", keys(world), "Syy")
    assert result.skipped == [world.note] and len(result.done) == 2
    assert world.note.hidden_reason == "Ennestään"
    assert len(entries(session, "content.hidden", world.ws)) == 3  # one earlier, two now


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 501])
def test_hiding_needs_a_reason_and_changes_nothing(world, session, reason):
    with pytest.raises(service.ModerationError) as error:
        bulk.apply(world.moderator, world.ws, "hide", keys(world), reason)
    assert error.value.field == "reason"
    assert world.comment.hidden_at is None and audit_count(session, world.ws) == 0


def test_dismiss_resolves_reports_of_each_item_and_skips_those_without(world, session):
    service.report(world.member, world.ws, world.comment, "Roskaa")
    service.report(world.member2, world.ws, world.comment, "Roskaa")
    service.report(world.member, world.ws, world.idea, "Kaksoiskappale")
    result = bulk.apply(world.moderator, world.ws, "dismiss", keys(world), None)
    assert result.skipped == [world.note] and set(result.done) == {world.comment, world.idea}
    assert open_reports(session, world.ws) == 0 and world.comment.hidden_at is None
    logged = entries(session, "reports.dismissed", world.ws)
    assert sorted((e.object_type, e.details["count"]) for e in logged) == [("comment", 2), ("idea", 1)]


def test_mark_reviewed_takes_items_off_the_new_list_but_keeps_reported_ones(world, session):
    service.report(world.member, world.ws, world.idea, "Asiaton")
    before = service.queue(world.ws, show="new")
    assert {e.key for e in before.items} == set(keys(world))
    result = bulk.apply(world.moderator, world.ws, "review", keys(world)[1:], "Katsottu")
    assert len(result.done) == 2
    assert [e.key for e in service.queue(world.ws, show="new").items] == [f"comment-{world.comment.id}"]
    assert [e.key for e in service.queue(world.ws, show="reported").items] == [f"idea-{world.idea.id}"]
    logged = entries(session, "content.reviewed", world.ws)
    assert sorted(e.object_type for e in logged) == ["idea", "note"] and {e.reason for e in logged} == {
        "Katsottu"
    }
    # Again: nothing new to mark, nothing written twice.
    again = bulk.apply(world.moderator, world.ws, "review", keys(world)[1:], None)
    assert not again.done and len(again.skipped) == 2
    assert len(entries(session, "content.reviewed", world.ws)) == 2


def test_items_below_the_watermark_are_already_reviewed(world, session):
    service.clear_queue(world.moderator, world.ws, service.latest_ids(world.ws))
    result = bulk.apply(world.moderator, world.ws, "review", keys(world), None)
    assert not result.done and len(result.skipped) == 3


def test_duplicates_count_once(world, session):
    result = bulk.apply(world.moderator, world.ws, "hide", keys(world) * 3 + [keys(world)[0]], "Syy")
    assert len(result.done) == 3 and len(entries(session, "content.hidden", world.ws)) == 3


@pytest.mark.parametrize(
    "selection",
    [
        [],
        ["comment-"],
        ["comment-abc"],
        ["comment-0"],
        ["comment--5"],
        ["comment-99999999999999999999"],
        ["measure-1"],
        ["comment"],
        ["comment-1e3"],
        ["comment-１２"],
    ],
)
def test_bad_selections_change_nothing(world, session, selection):
    with pytest.raises(service.ModerationError) as error:
        bulk.apply(world.moderator, world.ws, "hide", keys(world)[:1] + selection if selection else [], "Syy")
    assert error.value.field == "items"
    assert world.comment.hidden_at is None and audit_count(session, world.ws) == 0


def test_an_item_of_another_workspace_or_a_missing_one_changes_nothing(world, session):
    for foreign in (
        f"comment-{world.other_comment.id}",
        f"note-{world.other_note.id}",
        f"idea-{world.other_idea.id}",
        "idea-2147483647",
    ):
        with pytest.raises(service.ModerationError) as error:
            bulk.apply(world.moderator, world.ws, "hide", [*keys(world), foreign], "Syy")
        assert "Nothing was changed" in str(error.value.message)
    assert all(i.hidden_at is None for i in (world.comment, world.note, world.idea, world.other_comment))
    assert audit_count(session, world.ws) == 0 and audit_count(session, world.other) == 0


def test_a_huge_list_is_refused_before_reading_it(world, session, count_queries):
    huge = [f"comment-{n}" for n in range(1, bulk.BULK_MAX + 2)]
    with count_queries() as queries, pytest.raises(service.ModerationError) as error:
        bulk.apply(world.moderator, world.ws, "hide", huge, "Syy")
    assert error.value.field == "items" and len(queries) == 0


def test_an_unknown_action_is_refused(world, session):
    for action in ("", "delete", "restore", None):
        with pytest.raises(service.ModerationError) as error:
            bulk.apply(world.moderator, world.ws, action, keys(world), "Syy")
        assert error.value.field == "action"
    assert audit_count(session, world.ws) == 0


# --- the page ------------------------------------------------------------------------------------


def bulk_url(world):
    return f"/w/{world.ws.slug}/moderation/bulk"


def test_the_queue_has_a_checkbox_per_item_for_the_bulk_form(client, world, login):
    login(world.moderator)
    html = client.get(f"/w/{world.ws.slug}/moderation").text
    assert 'id="bulk-moderation"' in html
    for key in keys(world):
        assert f'form="bulk-moderation" name="items" value="{key}"' in html


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_bulk_hide_without_javascript_redirects_with_a_message(client, world, login, session, role):
    login(getattr(world, role))
    response = client.post(
        bulk_url(world),
        data={"action": "hide", "items": keys(world)[:2], "reason": "Asiaton", "show": "new", "page": "1"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/moderation?show=new&page=1"
    )
    page = client.get(response.headers["Location"]).text
    assert "2 items hidden." in page
    session.expire_all()
    assert (
        world.comment.hidden_at is not None
        and world.note.hidden_at is not None
        and world.idea.hidden_at is None
    )


def test_bulk_with_htmx_swaps_the_queue_and_announces(client, world, login, session):
    login(world.moderator)
    response = client.post(
        bulk_url(world),
        data={"action": "review", "items": keys(world), "show": "new"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<div id="moderation-queue">') and "<html" not in html
    assert 'id="flash"' in html and 'hx-swap-oob="true"' in html and "3 items marked as reviewed." in html
    assert "Nothing to look at right now." in html  # the new list is empty now


@pytest.mark.parametrize("htmx", [False, True])
def test_nothing_selected_is_a_clear_error(client, world, login, session, htmx):
    login(world.moderator)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(bulk_url(world), data={"action": "hide", "reason": "Syy"}, headers=headers)
    assert response.status_code == 422
    assert "Select at least one item. Nothing was changed." in response.text
    assert ("<html" in response.text) is not htmx
    assert audit_count(session, world.ws) == 0


def test_an_item_of_another_workspace_is_a_clear_error_and_keeps_the_choice(client, world, login, session):
    login(world.moderator)
    chosen = [keys(world)[0], f"comment-{world.other_comment.id}"]
    response = client.post(bulk_url(world), data={"action": "dismiss", "items": chosen, "reason": "Pidä"})
    assert response.status_code == 422
    html = response.text
    assert "not in this workspace" in html
    assert f'value="{keys(world)[0]}" id="select-{keys(world)[0]}" checked' in html
    assert 'value="dismiss" checked' in html and ">Pidä</textarea>" in html
    session.expire_all()
    assert world.comment.hidden_at is None and audit_count(session, world.ws) == 0


def test_hiding_without_a_reason_shows_the_reason_error(client, world, login, session):
    login(world.moderator)
    response = client.post(bulk_url(world), data={"action": "hide", "items": keys(world)})
    assert (
        response.status_code == 422
        and "Give a reason." in response.text
        and 'href="#bulk-reason"' in response.text
    )


def test_a_huge_posted_list_is_refused(client, world, login, session):
    login(world.moderator)
    items = [f"comment-{n}" for n in range(1, 5001)]
    response = client.post(bulk_url(world), data={"action": "hide", "items": items, "reason": "Syy"})
    assert response.status_code == 422 and "at most 100 items" in response.text
    assert audit_count(session, world.ws) == 0


def test_signed_out_goes_to_sign_in(client, world, session):
    response = client.post(bulk_url(world), data={"action": "hide", "items": keys(world), "reason": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert world.comment.hidden_at is None


@pytest.mark.parametrize("role", ROLES_REFUSED)
def test_non_moderators_are_refused(client, world, login, session, role):
    login(getattr(world, role))
    response = client.post(bulk_url(world), data={"action": "hide", "items": keys(world), "reason": "x"})
    assert response.status_code == 403
    session.expire_all()
    assert world.comment.hidden_at is None and audit_count(session, world.ws) == 0


def test_the_other_workspaces_moderator_cannot_reach_these_items_from_there(client, world, login, session):
    login(world.other_moderator)
    url = f"/w/{world.other.slug}/moderation/bulk"
    response = client.post(url, data={"action": "hide", "items": keys(world), "reason": "x"})
    assert response.status_code == 422
    session.expire_all()
    assert world.comment.hidden_at is None


def test_without_a_csrf_token_nothing_changes(client, world, login, session):
    login(world.moderator)
    client.csrf = False
    response = client.post(bulk_url(world), data={"action": "hide", "items": keys(world), "reason": "Syy"})
    assert response.status_code == 400
    session.expire_all()
    assert world.comment.hidden_at is None and audit_count(session, world.ws) == 0


def test_a_typed_reason_comes_back_as_text(client, world, login, session):
    login(world.moderator)
    typed = '<script>alert(1)</script><b hx-get="/x">'
    response = client.post(
        bulk_url(world), data={"action": "dismiss", "items": ["note-abc"], "reason": typed}
    )
    assert response.status_code == 422
    assert "<script>alert(1)" not in response.text and '<b hx-get="/x">' not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_hiding_in_bulk_shows_the_items_as_hidden_with_the_reason(client, world, login, session):
    login(world.moderator)
    client.post(bulk_url(world), data={"action": "hide", "items": keys(world), "reason": "Asiaton"})
    html = client.get(f"/w/{world.ws.slug}/moderation").text
    assert "3 items hidden." in html
    session.expire_all()
    assert [e.reason for e in entries(session, "content.hidden", world.ws)] == ["Asiaton"] * 3
