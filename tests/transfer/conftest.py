"""A workspace holding one of everything the workspace JSON format carries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from ideaspace.models import (
    ActivityKind,
    Answer,
    AnswerChoice,
    Attribution,
    Comment,
    CommentLike,
    Comparator,
    Idea,
    IdeaStatus,
    IdeaStatusChange,
    IdeaSupport,
    IndicatorReading,
    MemberRole,
    Membership,
    Note,
    NoteGroup,
    Quote,
    Respondent,
    Role,
    Visit,
)


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


@pytest.fixture
def rich_workspace(make, session):
    """Themes, measures, indicators with readings, polls with answers, notes, comments, ideas, quotes."""
    dept = make.unit("Sivistyspalvelut", code=None)
    unit = make.unit("Varhaiskasvatus", parent=dept)
    moderator = make.user(role=Role.MODERATOR, unit=dept, email="mod@example.fi")
    alice = make.user(unit=unit, email="alice@example.fi", locale="sv")
    bob = make.user(unit=unit, email="bob@example.fi")
    ws = make.workspace(slug="ohjelma", strategy={"fi": "Strategia", "sv": "Strategi"})
    t1 = make.theme(ws, position=0)
    t2 = make.theme(ws, position=1)
    m1 = make.measure(t1)
    m2 = make.measure(t2)
    ind = make.indicator(m1, unit_of_measure={"fi": "kpl"}, baseline_source={"fi": "Kysely"})
    session.add(IndicatorReading(indicator_id=ind.id, year=2023, value=15, note={"fi": "Hyvä"}))
    make.indicator(
        m2,
        comparator=Comparator.QUALITATIVE,
        target_value=None,
        target_text={"fi": "Valmis"},
        baseline_value=None,
        baseline_year=None,
    )
    poll = make.activity(t1, ActivityKind.SINGLE_CHOICE, options=["A", "B"], in_programme=True)
    poll.options[1].measure_id = m2.id  # a vote on a measure of another theme
    multi = make.activity(
        t2, ActivityKind.MULTIPLE_CHOICE, options=["X", "Y", "Z"], max_selections=2, is_anonymous=True
    )
    scale = make.activity(t2, ActivityKind.SCALE, is_anonymous=True)
    wall = make.activity(t2, ActivityKind.NOTES)
    discussion = make.activity(t1, ActivityKind.DISCUSSION)
    session.flush()
    for option, day in (
        (poll.options[0], "2022-09-02"),
        (poll.options[1], "2022-09-01"),
        (poll.options[1], "2022-09-03"),
    ):
        session.add(
            Answer(
                activity_id=poll.id,
                answered_on=date.fromisoformat(day),
                choices=[AnswerChoice(option_id=option.id)],
            )
        )
    session.add(
        Answer(
            activity_id=multi.id,
            answered_on=date(2022, 9, 5),
            # One anonymous answer: the ballot box publishes it with no unit (a group of one).
            unit_id=None,
            choices=[
                AnswerChoice(option_id=multi.options[0].id),
                AnswerChoice(option_id=multi.options[2].id),
            ],
        )
    )
    session.add(Answer(activity_id=scale.id, answered_on=date(2022, 9, 6), scale_value=9))
    session.add(Respondent(activity_id=multi.id, user_id=alice.id, answered_on=date(2022, 9, 5)))
    group = NoteGroup(activity_id=wall.id, label="Ilmapiiri", position=0)
    session.add(group)
    session.flush()
    note = Note(
        workspace_id=ws.id,
        activity_id=wall.id,
        text="Rohkeutta!",
        author_id=alice.id,
        unit_id=unit.id,
        group_id=group.id,
        created_at=at("2022-09-10"),
    )
    hidden_note = Note(
        workspace_id=ws.id,
        activity_id=wall.id,
        text="Piilotettu",
        created_at=at("2022-09-11"),
        hidden_at=at("2022-09-12"),
        hidden_reason="Asiaton",
        hidden_by_id=moderator.id,
    )
    session.add_all([note, hidden_note])
    comment = Comment(
        workspace_id=ws.id,
        activity_id=discussion.id,
        author_id=bob.id,
        unit_id=unit.id,
        body="<p>Hyvä <strong>idea</strong></p>",
        created_at=at("2022-09-08"),
    )
    session.add(comment)
    session.flush()
    session.add(
        Comment(
            workspace_id=ws.id,
            activity_id=discussion.id,
            parent_id=comment.id,
            author_id=alice.id,
            body="<p>Samaa mieltä</p>",
            created_at=at("2022-09-09"),
        )
    )
    session.add(
        Comment(
            workspace_id=ws.id,
            theme_id=t2.id,
            body="<p>Nimetön</p>",
            created_at=at("2022-09-09", 10),
            withdrawn_at=at("2022-09-10"),
        )
    )
    session.add(
        Comment(
            workspace_id=ws.id,
            measure_id=m1.id,
            author_id=bob.id,
            body="<p>Mittari?</p>",
            created_at=at("2022-09-09", 11),
        )
    )
    session.add(CommentLike(comment_id=comment.id, user_id=alice.id))
    idea = Idea(
        workspace_id=ws.id,
        theme_id=t2.id,
        title="Mentorointi",
        body="<p>Mentorit</p>",
        author_id=bob.id,
        unit_id=unit.id,
        status=IdeaStatus.ACCEPTED,
        status_reason="Hyvä",
        created_at=at("2022-09-04"),
    )
    twin = Idea(
        workspace_id=ws.id,
        title="Mentorit",
        body="<p>Sama</p>",
        status=IdeaStatus.MERGED,
        created_at=at("2022-09-05"),
    )
    session.add_all([idea, twin])
    session.flush()
    twin.merged_into_id = idea.id
    m2.origin_idea_id = idea.id
    session.add(IdeaSupport(idea_id=idea.id, user_id=alice.id, created_at=at("2022-09-06")))
    session.add(
        IdeaStatusChange(
            idea_id=idea.id,
            from_status=IdeaStatus.NEW,
            to_status=IdeaStatus.ACCEPTED,
            reason="Hyvä",
            changed_by_id=moderator.id,
            changed_at=at("2022-09-07"),
        )
    )
    session.add(
        Comment(
            workspace_id=ws.id,
            idea_id=idea.id,
            author_id=alice.id,
            body="<p>Tuen</p>",
            created_at=at("2022-09-07", 12),
        )
    )
    session.add(
        Quote(
            workspace_id=ws.id,
            theme_id=t1.id,
            comment_id=comment.id,
            excerpt="Hyvä idea",
            attribution=Attribution.ROLE_AND_UNIT,
            attributed_unit="Varhaiskasvatus",
            created_at=at("2022-09-20"),
        )
    )
    session.add(
        Quote(
            workspace_id=ws.id,
            theme_id=t2.id,
            note_id=note.id,
            excerpt="Rohkeutta!",
            position=1,
            created_at=at("2022-09-20"),
        )
    )
    session.add(Membership(workspace_id=ws.id, user_id=moderator.id, role=MemberRole.MODERATOR))
    visited = Membership(
        workspace_id=ws.id,
        user_id=alice.id,
        invited_at=at("2022-09-01"),
        invited_by_id=moderator.id,
        first_visit_at=at("2022-09-02"),
        last_visit_at=at("2022-09-05"),
        visit_count=2,
        first_contribution_at=at("2022-09-05"),
    )
    session.add(visited)
    session.add(Membership(workspace_id=ws.id, user_id=bob.id, invited_at=at("2022-09-01")))
    session.flush()
    session.add_all(
        [
            Visit(membership_id=visited.id, day=date(2022, 9, 2)),
            Visit(membership_id=visited.id, day=date(2022, 9, 5)),
        ]
    )
    session.flush()
    session.expire_all()
    return SimpleNamespace(
        workspace=ws,
        unit=unit,
        dept=dept,
        alice=alice,
        bob=bob,
        moderator=moderator,
        poll=poll,
        multi=multi,
        scale=scale,
        wall=wall,
        discussion=discussion,
        idea=idea,
    )


def minimal_document(**workspace) -> dict:
    """The smallest valid document, with overrides for the workspace."""
    body = {
        "slug": "pieni",
        "title": {"fi": "Pieni työtila", "sv": "Litet arbetsrum"},
        "themes": [
            {
                "key": "t1",
                "title": {"fi": "Teema", "sv": "Tema"},
                "measures": [{"key": "m1", "text": {"fi": "Toimenpide", "sv": "Åtgärd"}}],
                "activities": [
                    {
                        "key": "a1",
                        "kind": "single_choice",
                        "title": {"fi": "Kysely", "sv": "Enkät"},
                        "options": [
                            {"key": "o1", "label": {"fi": "Kyllä"}, "measure": "m1"},
                            {"key": "o2", "label": {"fi": "Ei"}},
                        ],
                        "answers": [{"on": "2022-09-01", "options": ["o1"]}],
                    }
                ],
            }
        ],
    }
    body.update(workspace)
    return {"format": "ideaspace.workspace", "version": 1, "workspace": body}
