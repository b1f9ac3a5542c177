"""A queue card says each thing once: an idea that is new (its status) and not yet reviewed (the
queue's mark) has two different badges, not "New" twice."""

from __future__ import annotations

import lxml.html


def test_a_new_unreviewed_idea_has_two_different_badges(client, world, login):
    login(world.moderator)
    tree = lxml.html.fromstring(client.get(f"/w/{world.ws.slug}/moderation").text)
    card = tree.get_element_by_id(f"queue-idea-{world.idea.id}")
    badges = [badge.text_content().strip() for badge in card.find_class("badge")]
    assert "Not reviewed" in badges and "New" in badges
    assert len(badges) == len(set(badges)), badges
