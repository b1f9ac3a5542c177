"""Every moderation route for every role, the real pages with hidden content, and bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ideaspace.models import AuditLog, Comment, IdeaStatus, Measure, Report, utcnow
from ideaspace.moderation import service, workflow
from ideaspace.outbox import drain

from .conftest import text_of


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


ROLES_REFUSED = ["outsider", "member", "observer", "other_moderator"]


def moderator_get_urls(world):
    slug = world.ws.slug
    return [
        f"/w/{slug}/moderation",
        f"/w/{slug}/moderation/comment/{world.comment.id}/hide",
        f"/w/{slug}/moderation/note/{world.note.id}/dismiss",
        f"/w/{slug}/moderation/ideas/{world.idea.id}/status",
    ]


# --- who may do what ---------------------------------------------------------------------------


def test_anonymous_visitors_go_to_sign_in(client, world):
    for url in [
        *moderator_get_urls(world),
        f"/w/{world.ws.slug}/report/comment/{world.comment.id}",
        "/admin/audit",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    response = client.post(f"/w/{world.ws.slug}/moderation/idea/{world.idea.id}/hide", data={"reason": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert world.idea.hidden_at is None


@pytest.mark.parametrize("role", ROLES_REFUSED)
def test_non_moderators_are_refused(client, world, login, session, role):
    login(getattr(world, role))
    for url in moderator_get_urls(world):
        assert client.get(url).status_code == 403, url
    slug = world.ws.slug
    posts = [
        (f"/w/{slug}/moderation/comment/{world.comment.id}/hide", {"reason": "Spam"}),
        (f"/w/{slug}/moderation/clear", {"comment": "1"}),
        (f"/w/{slug}/moderation/ideas/{world.idea.id}/status", {"status": "under_review"}),
        (f"/w/{slug}/moderation/ideas/{world.idea.id}/merge", {"merged_into": world.idea.id, "reason": "x"}),
        (f"/w/{slug}/moderation/ideas/{world.idea.id}/promote", {"theme_id": world.theme.id}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
    assert client.get("/admin/audit").status_code == 403
    assert (
        count(session, AuditLog, AuditLog.workspace_id == world.ws.id) == 0
        and world.comment.hidden_at is None
    )


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_reach_every_moderation_page(client, world, login, role):
    login(getattr(world, role))
    for url in moderator_get_urls(world):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/audit").status_code == (200 if role == "admin" else 403)


def test_ids_of_another_workspace_lead_nowhere(client, world, login):
    login(world.moderator)
    slug = world.ws.slug
    for kind, item in (
        ("comment", world.other_comment),
        ("note", world.other_note),
        ("idea", world.other_idea),
    ):
        assert client.get(f"/w/{slug}/moderation/{kind}/{item.id}/hide").status_code == 404
        assert (
            client.post(f"/w/{slug}/moderation/{kind}/{item.id}/hide", data={"reason": "x"}).status_code
            == 404
        )
        assert client.post(f"/w/{slug}/moderation/{kind}/{item.id}/restore").status_code == 404
    assert client.get(f"/w/{slug}/moderation/ideas/{world.other_idea.id}/status").status_code == 404
    assert client.get(f"/w/{slug}/moderation/poll/1/hide").status_code == 404
    login(world.member)
    assert client.get(f"/w/{slug}/report/idea/{world.other_idea.id}").status_code == 404
    assert world.other_idea.hidden_at is None


# --- reports -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status", [("member", 200), ("observer", 403), ("outsider", 403), ("moderator", 403), ("admin", 403)]
)
def test_who_may_open_the_report_form(client, world, login, role, status):
    login(getattr(world, role))
    assert client.get(f"/w/{world.ws.slug}/report/note/{world.note.id}").status_code == status


def test_report_a_comment_then_a_second_time(client, world, login, session):
    login(world.member)
    url = f"/w/{world.ws.slug}/report/comment/{world.comment.id}"
    page = client.get(url, query_string={"next": f"/w/{world.ws.slug}/themes/{world.theme.id}"})
    assert "Report inappropriate content" in page.text and "Kommentti teemasta" in page.text
    response = client.post(
        url, data={"reason": "Loukkaava", "next": f"/w/{world.ws.slug}/themes/{world.theme.id}"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/themes/{world.theme.id}")
    assert count(session, Report, Report.comment_id == world.comment.id) == 1
    response = client.post(url, data={"reason": "Again"}, follow_redirects=True)
    assert "You have already reported this" in response.text
    assert count(session, Report) == 1
    assert "You have already reported this" in client.get(url).text


@pytest.mark.parametrize("reason,message", [("", "Give a reason."), ("x" * 501, "at most 500")])
def test_report_with_a_bad_reason(client, world, login, session, reason, message):
    login(world.member)
    response = client.post(f"/w/{world.ws.slug}/report/idea/{world.idea.id}", data={"reason": reason})
    assert response.status_code == 422 and message in response.text
    assert count(session, Report) == 0


def test_report_without_csrf_is_refused(client, world, login, session):
    login(world.member)
    client.csrf = False
    assert (
        client.post(f"/w/{world.ws.slug}/report/idea/{world.idea.id}", data={"reason": "x"}).status_code
        == 400
    )
    assert count(session, Report) == 0


def test_reporters_see_report_links_but_never_who_else_reported(client, world, login):
    service.report(world.member2, world.ws, world.comment, "Salainen syy")
    login(world.member)
    html = client.get(f"/w/{world.ws.slug}/themes/{world.theme.id}").text
    assert f"/report/comment/{world.comment.id}" in html and f"/report/note/{world.note.id}" in html
    assert "Salainen syy" not in html and world.member2.name not in html
    assert "Salainen syy" not in client.get(f"/w/{world.ws.slug}/report/comment/{world.comment.id}").text
    login(world.author)  # one's own content has no report link
    assert (
        f"/report/comment/{world.comment.id}"
        not in client.get(f"/w/{world.ws.slug}/themes/{world.theme.id}").text
    )
    login(world.observer)
    assert "/report/" not in client.get(f"/w/{world.ws.slug}/themes/{world.theme.id}").text


# --- hiding and restoring on the real pages ------------------------------------------------------


def hide_via_queue(client, world, kind, item, reason="Henkilötietoja"):
    queue = f"/w/{world.ws.slug}/moderation"
    response = client.post(
        f"/w/{world.ws.slug}/moderation/{kind}/{item.id}/hide", data={"reason": reason, "next": queue}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(queue)


def test_a_hidden_comment_on_the_theme_page(client, world, login, make):
    login(world.moderator)
    hide_via_queue(client, world, "comment", world.comment)
    page = f"/w/{world.ws.slug}/themes/{world.theme.id}"
    html = client.get(page).text
    assert "Kommentti teemasta" in html and "Hidden:" in html and "Henkilötietoja" in html
    assert f"/moderation/comment/{world.comment.id}/restore" in html
    login(world.member)
    html = client.get(page).text
    assert "Kommentti teemasta" not in html and "Henkilötietoja" not in html
    login(world.author)  # the author still sees it, and why
    html = client.get(page).text
    assert "Kommentti teemasta" in html and "Henkilötietoja" in html and "/restore" not in html
    login(world.moderator)
    response = client.post(
        f"/w/{world.ws.slug}/moderation/comment/{world.comment.id}/restore", data={"next": page}
    )
    assert response.status_code == 302
    login(world.member)
    assert "Kommentti teemasta" in client.get(page).text


def test_a_hidden_note_on_the_notes_wall(client, world, login):
    wall = f"/w/{world.ws.slug}/activities/{world.wall.id}/notes"
    login(world.moderator)
    assert f"/moderation/note/{world.note.id}/hide" in client.get(wall).text
    hide_via_queue(client, world, "note", world.note, "Mainos")
    html = client.get(wall).text
    assert "Muistilappu seinällä" in html and "Mainos" in html
    login(world.member)
    assert "Muistilappu seinällä" not in client.get(wall).text
    assert "Muistilappu seinällä" not in client.get(f"/w/{world.ws.slug}/themes/{world.theme.id}").text


def test_a_hidden_idea_in_the_barrel_and_on_its_page(client, world, login):
    login(world.moderator)
    hide_via_queue(client, world, "idea", world.idea, "Off topic")
    barrel, page = f"/w/{world.ws.slug}/ideas", f"/w/{world.ws.slug}/ideas/{world.idea.id}"
    assert "Ideatynnyrin idea" in client.get(barrel).text
    html = client.get(page).text
    assert "Off topic" in html and "Restore the idea" in html
    login(world.member)
    assert "Ideatynnyrin idea" not in client.get(barrel).text
    assert client.get(page).status_code == 404
    login(world.author)
    assert "Off topic" in client.get(page).text
    login(world.moderator)
    assert client.post(f"/w/{world.ws.slug}/moderation/idea/{world.idea.id}/restore").status_code == 302
    login(world.member)
    assert client.get(page).status_code == 200


@pytest.mark.parametrize(
    "reason,message", [("", "Give a reason."), ("   ", "Give a reason."), ("y" * 501, "at most 500")]
)
def test_hide_with_a_bad_reason(client, world, login, session, reason, message):
    login(world.moderator)
    response = client.post(
        f"/w/{world.ws.slug}/moderation/comment/{world.comment.id}/hide", data={"reason": reason}
    )
    assert response.status_code == 422 and message in response.text
    session.expire_all()
    assert (
        session.get(Comment, world.comment.id).hidden_at is None
        and count(session, AuditLog, AuditLog.workspace_id == world.ws.id) == 0
    )


def test_restore_with_an_oversized_reason(client, world, login, session):
    service.hide(world.moderator, world.note, "Spam")
    session.commit()
    login(world.moderator)
    response = client.post(
        f"/w/{world.ws.slug}/moderation/note/{world.note.id}/restore", data={"reason": "z" * 501}
    )
    assert response.status_code == 422 and "at most 500" in response.text
    session.expire_all()
    assert world.note.hidden_at is not None


# --- the queue page ----------------------------------------------------------------------------


def test_queue_page_shows_new_and_reported_content_with_places_and_actions(
    client, world, login, make, count_queries
):
    service.report(world.member, world.ws, world.idea, "Tuplaidea")
    service.report(world.member2, world.ws, world.idea, "Sama kuin toinen")
    login(world.moderator)
    url = f"/w/{world.ws.slug}/moderation"
    html = client.get(url).text
    assert "Reported 2 times" in html and "Tuplaidea" in html and "Sama kuin toinen" in html
    assert world.member.name not in html  # reporters are not named
    assert "Kommentti teemasta" in html and "Muistilappu seinällä" in html
    assert f"/w/{world.ws.slug}/activities/{world.wall.id}/notes#note-{world.note.id}" in html
    assert f"/w/{world.ws.slug}/themes/{world.theme.id}#comment-{world.comment.id}" in html
    assert "Toisen tilan" not in html
    reported = client.get(url, query_string={"show": "reported"}).text
    assert "Tuplaidea" in reported and "Kommentti teemasta" not in reported
    # Dismiss the reports: the idea stays visible and leaves the reported list.
    response = client.post(f"/w/{world.ws.slug}/moderation/idea/{world.idea.id}/dismiss", data={"next": url})
    assert response.status_code == 302
    assert "Tuplaidea" not in client.get(url, query_string={"show": "reported"}).text
    # Mark as reviewed: what was there is gone; content written afterwards appears.
    latest = service.latest_ids(world.ws)
    assert client.post(f"{url}/clear", data={k: str(v) for k, v in latest.items()}).status_code == 302
    html = client.get(url).text
    assert "Nothing to look at right now." in html and "Last marked as reviewed" in html
    make.comment(world.theme, world.member, body="<p>Uusi kommentti</p>")
    assert "Uusi kommentti" in client.get(url).text
    with count_queries() as few:
        client.get(url)
    for _ in range(8):
        make.note(world.wall, world.member)
        make.comment(world.theme, world.member2)
    with count_queries() as many:
        client.get(url)
    assert len(many) <= len(few) + 3 and len(many) <= 25, len(many)


def test_queue_decides_about_an_idea(client, world, login, session, smtp):
    login(world.moderator)
    url = f"/w/{world.ws.slug}/moderation"
    assert "Change the status…" in client.get(url).text
    response = client.post(
        f"/w/{world.ws.slug}/moderation/ideas/{world.idea.id}/status",
        data={"status": "under_review", "reason": "Selvitämme", "next": url},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert world.idea.status is IdeaStatus.UNDER_REVIEW
    drain()
    assert "Selvitämme" in text_of(smtp.to("aino@example.fi"))


def test_clear_with_bad_input(client, world, login, session):
    login(world.moderator)
    assert client.post(f"/w/{world.ws.slug}/moderation/clear", data={"comment": "abc"}).status_code == 400
    assert count(session, AuditLog, AuditLog.workspace_id == world.ws.id) == 0


# --- the idea workflow on the idea page --------------------------------------------------------


def test_idea_page_workflow_decide_and_email(client, world, login, session, smtp):
    page = f"/w/{world.ws.slug}/ideas/{world.idea.id}"
    login(world.moderator)
    html = client.get(page).text
    assert "Change the status" in html and "Its author is emailed" in html
    url = f"/w/{world.ws.slug}/moderation/ideas/{world.idea.id}/status"
    assert client.post(url, data={"status": "accepted", "reason": "Now"}).status_code == 422  # new → accepted
    assert client.post(url, data={"status": "under_review"}).status_code == 302
    drain()  # each decision its own mail (a decision replaced before it was sent is skipped)
    response = client.post(url, data={"status": "not_taken", "reason": ""})
    assert response.status_code == 422 and "Give the reason" in response.text
    response = client.post(url, data={"status": "not_taken", "reason": "r" * 2001})
    assert response.status_code == 422
    response = client.post(
        url, data={"status": "not_taken", "reason": "Jo ohjelmassa"}, follow_redirects=True
    )
    assert "Its author was emailed" in response.text and "Jo ohjelmassa" in response.text
    drain()
    assert len(smtp.messages) == 2 and all(m["Content-Language"] == "sv" for _, m in smtp.messages)
    assert world.idea.status is IdeaStatus.NOT_TAKEN


def test_anonymous_idea_says_nobody_is_emailed(client, world, login, make, smtp):
    idea = make.idea(world.ws, None)
    login(world.moderator)
    assert "there is no author to email" in client.get(f"/w/{world.ws.slug}/ideas/{idea.id}").text
    response = client.post(
        f"/w/{world.ws.slug}/moderation/ideas/{idea.id}/status",
        data={"status": "under_review"},
        follow_redirects=True,
    )
    drain()
    assert "nobody was emailed" in response.text and smtp.messages == []


def test_merge_on_the_idea_page_leaves_a_pointer(client, world, login, make, session):
    kept = make.idea(world.ws, world.member, title="Säilytettävä idea")
    make.idea_support(world.idea, world.member2)
    make.idea_support(kept, world.member2)
    make.idea_support(world.idea, world.author)
    make.comment(world.idea, world.member, body="<p>Siirtyvä kommentti</p>")
    workflow.decide(world.moderator, world.idea, IdeaStatus.UNDER_REVIEW, None)
    session.commit()
    login(world.moderator)
    page = f"/w/{world.ws.slug}/ideas/{world.idea.id}"
    assert "Merge into another idea" in client.get(page).text
    url = f"/w/{world.ws.slug}/moderation/ideas/{world.idea.id}/merge"
    for target in (world.idea.id, world.other_idea.id, ""):
        response = client.post(url, data={"merged_into": target, "reason": "Sama"})
        assert response.status_code == 422 and "Choose another idea" in response.text
    assert client.post(url, data={"merged_into": kept.id, "reason": ""}).status_code == 422
    assert world.idea.status is IdeaStatus.UNDER_REVIEW
    assert client.post(url, data={"merged_into": kept.id, "reason": "Sama asia"}).status_code == 302
    login(world.member)
    html = client.get(page).text
    assert "This idea was merged into" in html and "Säilytettävä idea" in html and f"/ideas/{kept.id}" in html
    html = client.get(f"/w/{world.ws.slug}/ideas/{kept.id}").text
    assert "Siirtyvä kommentti" in html
    assert "2 supporters" in html  # the person who supported both counts once
    # Merged ideas cannot be merged again.
    login(world.moderator)
    assert client.get(url).status_code == 302


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (IdeaStatus.NEW, True),
        (IdeaStatus.UNDER_REVIEW, True),
        (IdeaStatus.NOT_TAKEN, True),
        (IdeaStatus.ACCEPTED, False),
        (IdeaStatus.MERGED, False),
    ],
)
def test_the_merge_form_is_on_the_idea_page_while_merging_is_allowed(
    client, world, login, make, session, status, shown
):
    idea = make.idea(world.ws, world.author, status=status, title="Kaksoiskappale")
    kept = make.idea(world.ws, world.member, title="Alkuperäinen")
    session.commit()
    login(world.moderator)
    html = client.get(f"/w/{world.ws.slug}/ideas/{idea.id}").text
    assert ("Merge into another idea" in html) is shown
    assert (f"/moderation/ideas/{idea.id}/merge" in html) is shown
    url = f"/w/{world.ws.slug}/moderation/ideas/{idea.id}/merge"
    response = client.post(url, data={"merged_into": kept.id, "reason": "Sama asia"})
    assert response.status_code == 302
    session.refresh(idea)
    assert (idea.merged_into_id == kept.id) is shown
    login(world.member)
    assert "Merge into another idea" not in client.get(f"/w/{world.ws.slug}/ideas/{idea.id}").text


def test_promote_an_accepted_idea_and_link_both_ways(client, world, login, session):
    url = f"/w/{world.ws.slug}/moderation/ideas/{world.idea.id}/promote"
    login(world.moderator)
    assert client.get(url).status_code == 302  # not accepted yet
    workflow.decide(world.moderator, world.idea, IdeaStatus.UNDER_REVIEW, None)
    workflow.decide(world.moderator, world.idea, IdeaStatus.ACCEPTED, "Hyvä")
    session.commit()
    form = client.get(url).text
    assert "Ideatynnyrin idea</textarea>" in form  # prefilled from the idea
    base = {"text-fi": "Uusi toimenpide", "status": "proposed", "theme_id": str(world.theme.id)}
    assert client.post(url, data={**base, "theme_id": str(world.other_theme.id)}).status_code == 422
    response = client.post(url, data={**base, "text-fi": ""})
    assert response.status_code == 422 and "Write this at least in" in response.text
    assert client.post(url, data={**base, "status": "dropped"}).status_code == 422
    assert count(session, Measure) == 0
    response = client.post(url, data=base)
    assert response.status_code == 302
    measure = session.scalar(select(Measure))
    assert measure.origin_idea_id == world.idea.id and measure.theme_id == world.theme.id
    login(world.member)
    theme_page = client.get(f"/w/{world.ws.slug}/themes/{world.theme.id}").text
    assert "From the idea barrel:" in theme_page and f"/ideas/{world.idea.id}" in theme_page
    measure_page = client.get(f"/w/{world.ws.slug}/measures/{measure.id}").text
    assert "From the idea barrel:" in measure_page and "Ideatynnyrin idea" in measure_page
    idea_page = client.get(f"/w/{world.ws.slug}/ideas/{world.idea.id}").text
    assert "Became a measure:" in idea_page and f"/measures/{measure.id}" in idea_page
    login(world.moderator)
    assert client.get(url).status_code == 302  # once only


# --- the audit log -----------------------------------------------------------------------------


def test_every_moderator_action_is_in_the_audit_log(client, world, login, make, session):
    login(world.moderator)
    slug = world.ws.slug
    service.report(world.member, world.ws, world.note, "Spam")
    session.commit()
    client.post(f"/w/{slug}/moderation/comment/{world.comment.id}/hide", data={"reason": "Syy 1"})
    client.post(f"/w/{slug}/moderation/comment/{world.comment.id}/restore", data={"reason": "Syy 2"})
    client.post(f"/w/{slug}/moderation/note/{world.note.id}/dismiss", data={"reason": "Syy 3"})
    client.post(f"/w/{slug}/moderation/clear", data={"comment": "1"})
    client.post(f"/w/{slug}/moderation/ideas/{world.idea.id}/status", data={"status": "under_review"})
    kept = make.idea(world.ws)
    client.post(
        f"/w/{slug}/moderation/ideas/{world.idea.id}/merge", data={"merged_into": kept.id, "reason": "Syy 4"}
    )
    rows = session.execute(
        select(
            AuditLog.action, AuditLog.actor_id, AuditLog.object_type, AuditLog.reason, AuditLog.workspace_id
        )
        .where(AuditLog.workspace_id == world.ws.id)
        .order_by(AuditLog.id)
    ).all()
    assert [r.action for r in rows] == [
        "content.hidden",
        "content.restored",
        "reports.dismissed",
        "queue.cleared",
        "idea.status_changed",
        "idea.status_changed",
        "idea.merged",
    ]
    assert {r.actor_id for r in rows} == {world.moderator.id} and {r.workspace_id for r in rows} == {
        world.ws.id
    }
    assert [r.reason for r in rows if r.reason] == ["Syy 1", "Syy 2", "Syy 3", "Syy 4", "Syy 4"]


def test_audit_page_lists_filters_and_pages(client, world, login, make, session, count_queries):
    for i in range(3):
        service.hide(world.moderator, make.note(world.wall, world.member), f"Syy {i}")
    service.hide(world.other_moderator, world.other_note, "Toisen tilan syy")
    for _ in range(55):
        service.restore(world.moderator, world.comment) if world.comment.hidden_at else service.hide(
            world.moderator, world.comment, "Vuorotellen"
        )
    session.commit()
    login(world.admin)
    html = client.get("/admin/audit").text  # (other test modules may have committed entries too)
    assert "Hid content" in html and world.moderator.name in html and "Page 1 of" in html
    ours = {"workspace": world.ws.id}
    html = client.get("/admin/audit", query_string=ours).text
    assert "58 entries." in html and "Page 1 of 2" in html and "Toisen tilan syy" not in html
    html = client.get("/admin/audit", query_string={"actor": world.other_moderator.id}).text
    assert "1 entry." in html and "Toisen tilan syy" in html
    html = client.get("/admin/audit", query_string={**ours, "action": "content.restored"}).text
    assert "27 entries." in html and "Toisen tilan syy" not in html
    today = utcnow().date().isoformat()
    assert (
        "58 entries."
        in client.get("/admin/audit", query_string={**ours, "since": today, "until": today}).text
    )
    assert "0 entries." in client.get("/admin/audit", query_string={**ours, "until": "2000-01-01"}).text
    page2 = client.get("/admin/audit", query_string={**ours, "page": 2}).text
    assert (
        "Page 2 of 2" in page2 and page2.count("<tr>") == 8 + 1
    )  # 50 on the first page, 8 here, and the header
    for bad in (
        {"since": "yesterday"},
        {"actor": "999999"},
        {"action": "nonsense"},
        {"workspace": "x"},
        {"since": "2024-02-01", "until": "2024-01-01"},
    ):
        response = client.get("/admin/audit", query_string=bad)
        assert response.status_code == 422 and "Please correct the following" in response.text, bad
    with count_queries() as queries:
        client.get("/admin/audit")
    assert len(queries) <= 12, len(queries)  # no query per row: 50 rows, actors eager-loaded
