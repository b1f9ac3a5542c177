"""The workspace front page as theme cards (issue 17): open activities, the person's own progress,
what is new since their last visit, a theme page's "what to do"; in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

from ideaspace.models import ActivityKind, ActivityStatus, Membership, WorkspaceStatus, utcnow
from ideaspace.workspaces import front


def _theme_with_everything(make, ws):
    theme = make.theme(ws)
    poll = make.activity(theme, ActivityKind.SINGLE_CHOICE, options=2)
    scale = make.activity(theme, ActivityKind.SCALE, is_anonymous=True)
    discussion = make.activity(theme, ActivityKind.DISCUSSION)
    wall = make.activity(theme, ActivityKind.NOTES, is_anonymous=True)  # nobody can know who wrote
    make.activity(theme, ActivityKind.IDEAS)
    make.activity(theme, ActivityKind.SINGLE_CHOICE, status=ActivityStatus.DRAFT)  # not shown
    make.activity(theme, ActivityKind.SINGLE_CHOICE, status=ActivityStatus.CLOSED)  # done or not, not open
    return theme, poll, scale, discussion, wall


def test_summary_counts_open_activities_by_kind_and_minutes(make, world):
    theme, *_ = _theme_with_everything(make, world.ws)
    card = front.theme_card(world.users["member"], world.ws, theme)
    summary = card.summary
    assert (summary.questions, summary.discussions, summary.walls, summary.collections) == (2, 1, 1, 1)
    assert summary.minutes == 1 + 1 + 3 + 2 + 3 and summary.total == 5
    assert len(card.open_activities) == 5


def test_progress_counts_what_the_person_did_and_never_an_anonymous_wall(make, world, given):
    member = world.users["member"]
    theme, poll, scale, discussion, wall = _theme_with_everything(make, world.ws)
    given.answer(poll, member, poll.options[:1])
    given.answer(scale, member)  # an anonymous scale: the respondent row says they took part
    given.comment(world.ws, world.users["moderator"], activity_id=discussion.id)  # someone else's
    card = front.theme_card(member, world.ws, theme)
    # countable: poll, scale, discussion, ideas, the closed poll (not the anonymous wall, not the draft)
    assert (card.done, card.countable) == (2, 5)
    assert card.done_ids == {poll.id, scale.id}
    given.comment(world.ws, member, activity_id=discussion.id)
    given.idea(world.ws, member, theme=theme)
    card = front.theme_card(member, world.ws, theme)
    assert card.done == 4


def test_observers_and_strangers_get_no_progress_and_nothing_to_do(make, world):
    theme, *_ = _theme_with_everything(make, world.ws)
    for role in ("observer", "anonymous"):
        page = front.front_page(world.users[role], world.ws, None)
        assert page.done is None and page.cards[0].done is None
        assert page.cards[0].open_activities == []


def test_a_closed_workspace_has_nothing_open_no_deadline_and_no_progress_to_make(make, world):
    _theme_with_everything(make, world.ws)
    world.ws.status = WorkspaceStatus.CLOSED
    page = front.front_page(world.users["member"], world.ws, None)
    assert page.cards[0].open_activities == [] and page.deadline is None
    assert page.done is None and page.cards[0].done is None


def test_news_since_the_last_visit(make, world, given, session):
    member, moderator = world.users["member"], world.users["moderator"]
    old, *_ = _theme_with_everything(make, world.ws)
    since = utcnow()
    old.created_at = since - timedelta(days=3)
    for activity in old.activities:
        activity.opened_at = since - timedelta(days=3)
    fresh = make.theme(world.ws)
    fresh.created_at = since + timedelta(minutes=1)
    new_poll = make.activity(fresh, ActivityKind.SINGLE_CHOICE)
    new_poll.opened_at = since + timedelta(minutes=1)
    discussion = next(a for a in old.activities if a.kind is ActivityKind.DISCUSSION)
    later = since + timedelta(minutes=2)
    given.comment(world.ws, moderator, activity_id=discussion.id).created_at = later
    given.comment(world.ws, moderator, theme_id=old.id).created_at = later
    given.comment(world.ws, member, theme_id=old.id).created_at = later  # one's own is not news
    given.comment(world.ws, moderator, theme_id=old.id).created_at = since - timedelta(days=1)  # old
    hidden = given.comment(world.ws, moderator, theme_id=old.id)
    hidden.created_at, hidden.hidden_at = later, later
    session.flush()
    cards = {card.theme.id: card for card in front.front_page(member, world.ws, since).cards}
    assert (cards[old.id].is_new, cards[old.id].new_activities, cards[old.id].new_comments) == (False, 0, 2)
    assert (cards[fresh.id].is_new, cards[fresh.id].new_activities) == (True, 1)
    assert front.front_page(member, world.ws, since).news == 2
    # A first visit has no "since": nothing is marked new.
    assert not any(card.has_news for card in front.front_page(member, world.ws, None).cards)


def test_the_front_page_costs_the_same_queries_for_many_themes(make, world, given, count_queries):
    member = world.users["member"]

    def counted():
        with count_queries() as statements:
            front.front_page(member, world.ws, utcnow() - timedelta(days=1))
        return len(statements)

    _theme_with_everything(make, world.ws)
    counted()  # warms what does not depend on the data (the membership, the role's predicates)
    few = counted()
    for _ in range(6):
        theme, poll, scale, discussion, wall = _theme_with_everything(make, world.ws)
        given.answer(poll, member, poll.options[:1])
        given.comment(world.ws, world.users["moderator"], activity_id=discussion.id)
    assert counted() == few <= 4


def test_front_page_shows_cards_progress_and_what_to_do(client, login, make, world, given, session):
    member = world.users["member"]
    theme, poll, *_ = _theme_with_everything(make, world.ws)
    given.answer(poll, member, poll.options[:1])
    membership = session.query(Membership).filter_by(workspace_id=world.ws.id, user_id=member.id).one()
    membership.last_visit_at = utcnow() - timedelta(days=2)
    theme.created_at = utcnow() - timedelta(days=1)
    login(member)
    html = client.get(f"/w/{world.ws.slug}/").text
    assert 'class="card theme-card' in html
    assert "You have taken part in 1 of 5 activities" in html
    assert "2 questions, 1 discussion, 1 notes wall, 1 idea collection" in html
    assert "about 10 min" in html and "1 of 5 done" in html
    assert "New theme" in html and "news in 1 theme" in html
    assert "<script>alert" not in html  # the theme's introduction, stripped and escaped
    # The theme page starts with what to do, each open activity linked.
    page = client.get(f"/w/{world.ws.slug}/themes/{theme.id}").text
    assert page.index("What to do here") < page.index('id="activities-heading"')
    assert page.count('href="#activity-') == 5


def test_observer_sees_cards_without_progress(client, login, make, world):
    _theme_with_everything(make, world.ws)
    login(world.users["observer"])
    html = client.get(f"/w/{world.ws.slug}/").text
    assert 'class="card theme-card' in html
    assert "You have taken part" not in html and "What to do here" not in html


def test_moderators_see_what_to_do_but_no_progress_of_their_own(make, world):
    theme, *_ = _theme_with_everything(make, world.ws)
    page = front.front_page(world.users["moderator"], world.ws, None)
    assert page.done is None and page.cards[0].done is None
    assert len(page.cards[0].open_activities) == 5  # what supervisors are asked, for who runs it
    assert front.theme_card(world.users["moderator"], world.ws, theme).summary.total == 5
