"""Keep the Kokkola demo's poll results as loaded (3/12/2/8/10 of 35) for the tests that read them.

Journeys and accessibility tests answer the demo polls in the shared live server; afterwards the
answers and respondents they added are removed and changed answers get their choices back.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select

from ideaspace.extensions import db
from ideaspace.models import Activity, Answer, AnswerChoice, Respondent, Theme, Workspace

DEMO_SLUG = "henkilostoohjelma-2023-2025"


def _activity_ids():
    return (
        select(Activity.id)
        .join(Theme, Theme.id == Activity.theme_id)
        .join(Workspace)
        .where(Workspace.slug == DEMO_SLUG)
    )


@contextmanager
def demo_answers_restored(live_app):
    with live_app.app_context():
        ids = _activity_ids()
        answers = {
            a.key: (sorted(c.option_id for c in a.choices), a.scale_value)
            for a in db.session.scalars(select(Answer).where(Answer.activity_id.in_(ids)))
        }
        respondents = set(
            db.session.execute(
                select(Respondent.activity_id, Respondent.user_id).where(Respondent.activity_id.in_(ids))
            ).all()
        )
        db.session.rollback()
    try:
        yield
    finally:
        with live_app.app_context():
            ids = _activity_ids()
            for respondent in db.session.scalars(select(Respondent).where(Respondent.activity_id.in_(ids))):
                if (respondent.activity_id, respondent.user_id) not in respondents:
                    db.session.delete(respondent)
            db.session.flush()
            for answer in db.session.scalars(select(Answer).where(Answer.activity_id.in_(ids))):
                if answer.key not in answers:
                    db.session.delete(answer)
                    continue
                options, scale = answers[answer.key]
                if sorted(c.option_id for c in answer.choices) != options or answer.scale_value != scale:
                    answer.choices = [AnswerChoice(option_id=o) for o in options]
                    answer.scale_value = scale
            for respondent in db.session.scalars(select(Respondent).where(Respondent.activity_id.in_(ids))):
                if (respondent.activity_id, respondent.user_id) not in respondents:
                    db.session.delete(respondent)
            db.session.commit()
