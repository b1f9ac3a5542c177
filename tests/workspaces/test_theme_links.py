"""The theme page's per-item links (hide, restore, report, like) are built once per wall or thread and
completed with each item's id: they must be exactly what url_for gives for that item."""

from __future__ import annotations

from flask import url_for
from markupsafe import escape

from ideaspace.models import ActivityKind, MemberRole, Role, utcnow
from ideaspace.sanitize import clean_html


def _world(make, session):
    ws = make.workspace(slug="w-0")  # a slug that looks like an id: the split must not fall there
    theme = make.theme(ws)
    wall = make.activity(theme, kind=ActivityKind.NOTES)
    talk = make.activity(theme, kind=ActivityKind.DISCUSSION)
    author = make.user(Role.PARTICIPANT)
    member = make.user(Role.PARTICIPANT)
    moderator = make.user(Role.MODERATOR)
    for person in (author, member):
        make.member(ws, person)
    make.member(ws, moderator, MemberRole.MODERATOR)
    hidden = {"hidden_at": utcnow(), "hidden_reason": "Mainos", "hidden_by_id": moderator.id}
    items = {
        "note": [make.note(wall, author), make.note(wall, author, **hidden)],
        "comment": [
            make.comment(theme, author, body=clean_html("<p>Teemasta</p>")),
            make.comment(talk, author, body=clean_html("<p>Keskustelussa</p>")),
            make.comment(theme, author, body=clean_html("<p>Piilotettu</p>"), **hidden),
        ],
    }
    session.commit()
    return ws, theme, items, member, moderator


def _href(url: str) -> str:
    return str(escape(url))


def _theme_page(client, login, ws, theme, person) -> tuple[str, str]:
    """The theme page's path and its HTML as `person` sees it."""
    page = f"/w/{ws.slug}/themes/{theme.id}"
    login(person)
    return page, client.get(page).text


def _each_item(items):
    for kind, kind_items in items.items():
        for item in kind_items:
            yield kind, item


def _item_link(endpoint: str, ws, kind: str, item, page: str) -> str:
    """url_for the item's hide or report link, back to the item on `page`."""
    return url_for(endpoint, slug=ws.slug, kind=kind, item_id=item.id, next=f"{page}#{kind}-{item.id}")


def test_moderators_links_are_url_fors_for_each_item(app, client, make, session, login):
    ws, theme, items, _, moderator = _world(make, session)
    page, html = _theme_page(client, login, ws, theme, moderator)
    with app.test_request_context(page):
        for kind, item in _each_item(items):
            if item.hidden_at:
                restore = url_for("moderation.restore", slug=ws.slug, kind=kind, item_id=item.id)
                assert f'action="{_href(restore)}"' in html
            else:
                hide = _item_link("moderation.hide", ws, kind, item, page)
                assert f'href="{_href(hide)}"' in html
        for comment in items["comment"][:2]:  # a hidden comment cannot be liked
            like = url_for("discussion.like", slug=ws.slug, comment_id=comment.id)
            assert f'action="{_href(like)}"' in html
    assert "/report/" not in html


def test_participants_report_links_are_url_fors_for_each_item(app, client, make, session, login):
    ws, theme, items, member, _ = _world(make, session)
    page, html = _theme_page(client, login, ws, theme, member)
    with app.test_request_context(page):
        for kind, item in _each_item(items):
            report = _item_link("moderation.report", ws, kind, item, page)
            # hidden items are not shown to participants, nor their report links
            assert (f'href="{_href(report)}"' in html) is (item.hidden_at is None)
    assert "/hide" not in html and "/restore" not in html
