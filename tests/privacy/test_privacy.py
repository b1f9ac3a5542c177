"""A person downloads their own data; an administrator erases a person, and every count stays."""

from __future__ import annotations

import json

import sqlalchemy as sa

from ideaspace.auth import load_user, sessions
from ideaspace.extensions import db
from ideaspace.models import (
    ActivityKind,
    Answer,
    AnswerChoice,
    Attribution,
    AuditLog,
    IdeaSupport,
    Membership,
    Quote,
    Respondent,
    Role,
    SigninToken,
    User,
    UserSession,
)
from ideaspace.people import service as people
from ideaspace.polls import service as polls
from ideaspace.polls.results import results_for
from ideaspace.privacy import service
from ideaspace.programme.versions import publish
from ideaspace.stats.service import workspace_statistics

from ..factories import PASSWORD


def _world(make, session):
    ws = make.workspace()
    theme = make.theme(ws)
    unit = make.unit()
    person = make.user(
        Role.PARTICIPANT,
        unit=unit,
        name="Paula Private",
        email="paula@example.fi",
        locale="sv",
        consents_to_named_quotes=True,
    )
    other = make.user(Role.PARTICIPANT, unit=unit)
    admin = make.user(Role.ADMIN)
    membership = make.member(ws, person)
    make.member(ws, other)
    anon_poll = make.activity(theme, ActivityKind.SINGLE_CHOICE, options=3, is_anonymous=True)
    named_poll = make.activity(theme, ActivityKind.MULTIPLE_CHOICE, options=3)
    notes = make.activity(theme, ActivityKind.NOTES)
    make.activity(theme, ActivityKind.IDEAS)
    polls.answer(person, ws, anon_poll, membership, option_ids=[anon_poll.options[1].id])
    polls.answer(
        person, ws, named_poll, membership, option_ids=[named_poll.options[0].id, named_poll.options[2].id]
    )
    comment = make.comment(theme, person, body="<p>Nimellä kirjoitettu</p>")
    anonymous_comment = make.comment(theme, None, body="<p>Nimetön kommentti</p>")
    note = make.note(notes, person, text="Oma lappu")
    idea = make.idea(ws, person, theme=theme, title="Paulan idea")
    others_idea = make.idea(ws, other, theme=theme, title="Toisen idea")
    make.idea_support(others_idea, person)
    quote = Quote(
        workspace_id=ws.id,
        theme_id=theme.id,
        comment_id=comment.id,
        excerpt="Nimellä kirjoitettu",
        attribution=Attribution.NAME,
        attributed_name="Paula Private",
    )
    session.add(quote)
    session.commit()
    return locals()


# --- downloading one's own data -------------------------------------------------------------


def test_my_data_holds_what_is_linked_to_me_and_nothing_anonymous(client, make, session, login):
    w = _world(make, session)
    login(w["person"])
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["profile"]["email"] == "paula@example.fi"
    assert data["profile"]["name"] == "Paula Private"
    assert [m["workspace"] for m in data["memberships"]] == [w["ws"].slug]
    assert "invited_at" in data["memberships"][0] and "first_contribution_at" in data["memberships"][0]
    assert [c["text"] for c in data["comments"]] == ["Nimellä kirjoitettu"]
    assert [n["text"] for n in data["notes"]] == ["Oma lappu"]
    assert [i["title"] for i in data["ideas"]] == ["Paulan idea"]
    assert [s["idea_title"] for s in data["supports"]] == ["Toisen idea"]
    assert "anonymous" in data["not_included"].lower()
    # The anonymous poll: only that I answered, never what.
    by_activity = {a["activity"]: a for a in data["answered"]}
    assert by_activity[w["anon_poll"].id]["anonymous"] is True
    assert by_activity[w["anon_poll"].id]["answer"] is None
    assert sorted(by_activity[w["named_poll"].id]["answer"]["choices"]) == ["Vaihtoehto 1", "Vaihtoehto 3"]
    text = response.get_data(as_text=True)
    assert "Nimetön kommentti" not in text
    assert "Vaihtoehto 2" not in text  # the anonymous choice


def test_my_data_needs_signing_in(client):
    response = client.get("/account/data.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_my_data_is_mine_only(client, make, session, login):
    w = _world(make, session)
    login(w["other"])
    data = client.get("/account/data.json").get_json()
    assert data["profile"]["email"] == w["other"].email
    assert data["comments"] == [] and data["notes"] == []
    assert [i["title"] for i in data["ideas"]] == ["Toisen idea"]


def test_my_data_in_a_bounded_number_of_queries(client, make, session, login, count_queries):
    w = _world(make, session)
    for _ in range(5):
        make.comment(w["theme"], w["person"])
    login(w["person"])
    with count_queries() as statements:
        client.get("/account/data.json")
    assert len(statements) <= 20


# --- erasing --------------------------------------------------------------------------------


def _counts(w):
    stats = workspace_statistics(w["ws"])
    results = results_for([w["anon_poll"], w["named_poll"]])
    return {
        "funnel": (stats.funnel.invited, stats.funnel.visited, stats.funnel.contributed),
        "results": {aid: repr(r) for aid, r in results.items()},
        "supports": db.session.scalar(sa.select(sa.func.count()).select_from(IdeaSupport)),
        "respondents": db.session.scalar(sa.select(sa.func.count()).select_from(Respondent)),
        "memberships": db.session.scalar(sa.select(sa.func.count()).select_from(Membership)),
    }


def _answer_rows():
    answers = db.session.execute(sa.select(Answer).order_by(Answer.key)).scalars().all()
    choices = db.session.execute(sa.select(AnswerChoice.answer_key, AnswerChoice.option_id)).all()
    return (
        [(a.key, a.activity_id, a.answered_on, a.unit_id, a.scale_value) for a in answers],
        sorted(choices),
    )


def test_erase_removes_identity_and_keeps_contributions_and_counts(make, session):
    w = _world(make, session)
    person, admin = w["person"], w["admin"]
    before, answers_before = _counts(w), _answer_rows()
    token = sessions.start(person, "browser")
    service.erase(admin, person, "Pyyntö 1.2.2024")
    session.commit()
    session.expire_all()
    person = db.session.get(User, person.id)
    assert person.name == service.FORMER_PARTICIPANT
    assert person.email.startswith(f"erased-{person.id}-") and person.email.endswith("@invalid")
    assert "paula" not in person.email
    assert person.password_hash is None and person.locale is None
    assert person.erased_at is not None and load_user(token) is None
    assert db.session.scalar(sa.select(sa.func.count()).where(UserSession.user_id == person.id)) == 0
    assert not person.consents_to_named_quotes and not person.is_active
    assert person.unit_id == w["unit"].id  # kept for the statistics by unit
    assert _counts(w) == before
    assert _answer_rows() == answers_before  # anonymous (and every other) answer untouched
    assert w["comment"].author_id == person.id and w["idea"].author_id == person.id
    entry = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "user.erase")).one()
    assert entry.actor_id == admin.id and entry.object_id == person.id and entry.reason == "Pyyntö 1.2.2024"


def test_erase_unnames_quotes_also_in_published_versions(make, session):
    w = _world(make, session)
    snapshot = publish(w["admin"], w["ws"])
    session.commit()
    assert "Paula Private" in json.dumps(snapshot.content, ensure_ascii=False)
    service.erase(w["admin"], w["person"], "Pyyntö")
    session.commit()
    session.expire_all()
    quote = db.session.get(Quote, w["quote"].id)
    assert quote.attributed_name is None and quote.attribution is Attribution.ROLE
    assert "Paula Private" not in json.dumps(snapshot.content, ensure_ascii=False)


def test_erase_refuses_without_reason_twice_or_oneself(make, session):
    import pytest

    w = _world(make, session)
    with pytest.raises(service.Refused):
        service.erase(w["admin"], w["person"], "   ")
    with pytest.raises(service.Refused):
        service.erase(w["admin"], w["admin"], "Itse")
    service.erase(w["admin"], w["person"], "Pyyntö")
    with pytest.raises(service.Refused):
        service.erase(w["admin"], w["person"], "Uudelleen")


def test_erased_person_cannot_sign_in_nor_be_reimported(client, make, session):
    w = _world(make, session)
    service.erase(w["admin"], w["person"], "Pyyntö")
    session.commit()
    response = client.post("/login", data={"email": "paula@example.fi", "password": PASSWORD})
    assert response.status_code == 422
    csv = (
        "name,email,role\n"
        "Paula Private,Paula@Example.fi,participant\n"
        "Uusi Ihminen,uusi@example.fi,participant\n"
    )
    rows, errors = people.parse_csv(csv.encode())
    assert not errors
    plan = people.plan_import(rows)
    assert [e.row for e in plan.errors] == [2]
    assert "paula@example.fi" in plan.errors[0].message
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.email == "paula@example.fi")
        )
        == 0
    )


def test_erase_ends_sessions_and_sign_in_links(client, make, session, login):
    from ideaspace.invitations.tokens import issue_token

    w = _world(make, session)
    issue_token(w["person"], w["ws"])
    session.commit()
    login(w["person"])
    assert client.get("/account").status_code == 200
    service.erase(w["admin"], w["person"], "Pyyntö")
    session.commit()
    assert client.get("/account").status_code == 302  # the old session no longer signs in
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SigninToken)) == 0


def test_contributions_show_former_participant_translated(client, make, session, login):
    w = _world(make, session)
    service.erase(w["admin"], w["person"], "Pyyntö")
    session.commit()
    login(w["other"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/w/{w['ws'].slug}/themes/{w['theme'].id}").get_data(as_text=True)
    assert "Former participant" in page
    assert "Paula Private" not in page
    idea_page = client.get(f"/w/{w['ws'].slug}/ideas/{w['idea'].id}").get_data(as_text=True)
    assert "Former participant" in idea_page and "Paula Private" not in idea_page


# --- the erase page -------------------------------------------------------------------------


def test_erase_page_asks_for_confirmation_and_reason(client, make, session, login):
    w = _world(make, session)
    login(w["admin"])
    url = f"/admin/users/{w['person'].id}/erase"
    page = client.get(url)
    assert page.status_code == 200 and b"Paula Private" in page.data
    no_reason = client.post(url, data={"confirm": "y", "reason": ""})
    assert no_reason.status_code == 422
    not_confirmed = client.post(url, data={"reason": "Pyyntö"})
    assert not_confirmed.status_code == 422
    session.expire_all()
    assert db.session.get(User, w["person"].id).erased_at is None
    done = client.post(url, data={"reason": "Pyyntö", "confirm": "y"})
    assert done.status_code == 302
    session.expire_all()
    assert db.session.get(User, w["person"].id).erased_at is not None


def test_erase_page_for_admins_only(client, make, session, login):
    w = _world(make, session)
    url = f"/admin/users/{w['person'].id}/erase"
    assert client.get(url).status_code == 302
    login(w["other"])
    assert client.get(url).status_code == 403
    assert client.post(url, data={"reason": "x", "confirm": "y"}).status_code == 403
    login(w["admin"])
    assert client.get("/admin/users/999999/erase").status_code == 404
    session.expire_all()
    assert db.session.get(User, w["person"].id).erased_at is None
