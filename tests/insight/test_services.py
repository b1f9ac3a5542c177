"""The clustering service: topics apart, labels of base forms, deterministic, cached, overrides kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ideaspace.insight import clustering, service
from ideaspace.insight.models import ClusterCache, ClusterMove, ClusterName, ThemeHeard
from ideaspace.models import AuditLog, utcnow

from .conftest import key


def topic_of(setup) -> dict[str, str]:
    return {key(item): topic for topic, items in setup.items.items() for item in items}


def test_clusters_separate_the_topics_with_base_form_labels(setup):
    views = service.clusters(service.theme_scope(setup.workspace, setup.theme.id))
    topics = topic_of(setup)
    assert len(views) == 3
    for view in views:
        assert {topics[item.key] for item in view.items} == {topics[view.items[0].key]}
        assert view.size == 5 and len(view.central) == 3 and len(view.rest) == 2
    labels = {topics[v.anchor]: v.label for v in views}
    # base forms, not the inflected words of the texts ("perehdytykseen", "työturvallisuutta", "vuorojen")
    assert "perehdytys" in labels["orientation"]
    assert "turvallisuus" in labels["safety"] or "työturvallisuus" in labels["safety"]
    assert "vuoro" in labels["shifts"]


def test_only_the_scopes_shown_items(setup):
    theme = service.theme_scope(setup.workspace, setup.theme.id)
    keys = {item.key for view in service.clusters(theme) for item in view.items}
    assert f"note:{setup.hidden_note.id}" not in keys  # hidden
    assert f"note:{setup.other_note.id}" not in keys  # another theme
    assert f"note:{setup.foreign_note.id}" not in keys  # another workspace
    everything = {i.key for v in service.clusters(service.Scope(setup.workspace)) for i in v.items}
    assert keys | {f"note:{setup.other_note.id}"} == everything
    wall = {
        i.key
        for v in service.clusters(service.activity_scope(setup.workspace, setup.wall.id))
        for i in v.items
    }
    assert wall == {k for k in keys if k.startswith("note:")}


def test_deterministic_and_cached_until_the_content_changes(setup, make, session):
    scope = service.theme_scope(setup.workspace, setup.theme.id)
    first = service.base_clusters(scope)
    cache = session.scalar(sa.select(ClusterCache))
    assert cache.scope == f"theme:{setup.theme.id}" and cache.clusters == first
    # the same content: the cache, not a new computation
    cache.clusters = [{**c, "label": ["cached"]} for c in cache.clusters]
    session.flush()
    assert all(c["label"] == ["cached"] for c in service.base_clusters(scope))
    # new content: computed again, the same way as from scratch
    make.note(setup.wall, setup.author, text="Perehdytys kummin kanssa toimii hyvin uudelle työntekijälle")
    again = service.base_clusters(scope)
    assert all(c["label"] != ["cached"] for c in again)
    session.execute(sa.delete(ClusterCache))
    assert service.base_clusters(scope) == again
    # hiding an item changes the fingerprint too
    setup.items["safety"][0][1].hidden_at = utcnow()
    session.flush()
    assert key(setup.items["safety"][0]) not in {k for c in service.base_clusters(scope) for k in c["items"]}


def test_rename_and_move_survive_a_recomputation(setup, make, session):
    scope = service.theme_scope(setup.workspace, setup.theme.id)
    topics = topic_of(setup)
    views = service.clusters(scope)
    shifts = next(v for v in views if topics[v.anchor] == "shifts")
    safety = next(v for v in views if topics[v.anchor] == "safety")
    service.rename(setup.moderator, scope, shifts.anchor, "  Vuorot   ja lepo ")
    moved = shifts.rest[0].key
    service.move(setup.moderator, scope, moved, safety.anchor)
    make.note(setup.wall, setup.author, text="Vuorolistat pitäisi saada kuukautta aiemmin")
    session.execute(sa.delete(ClusterCache))  # recomputed from scratch
    views = service.clusters(scope)
    named = next(v for v in views if v.name)
    assert named.name == "Vuorot ja lepo" and shifts.anchor in {i.key for i in named.items}
    assert moved in {i.key for i in service.find(views, safety.anchor).items}
    actions = set(session.scalars(sa.select(AuditLog.action)))
    assert {"cluster.rename", "cluster.move"} <= actions
    # moved back home: no move is kept
    service.move(setup.moderator, scope, moved, named.anchor)
    assert session.scalar(sa.select(sa.func.count()).select_from(ClusterMove)) == 0


def test_labels_follow_the_members_after_moves_unless_renamed(setup, session):
    """Moving items between clusters relabels both by their members now; a moderator's name stays."""
    scope = service.theme_scope(setup.workspace, setup.theme.id)
    topics = topic_of(setup)
    views = service.clusters(scope)
    shifts = next(v for v in views if topics[v.anchor] == "shifts")
    orientation = next(v for v in views if topics[v.anchor] == "orientation")
    safety = next(v for v in views if topics[v.anchor] == "safety")
    assert "vuoro" in shifts.label and "perehdytys" in orientation.label
    for item in shifts.items[1:]:
        service.move(setup.moderator, scope, item.key, orientation.anchor)
    for item in orientation.items[1:]:
        service.move(setup.moderator, scope, item.key, shifts.anchor)
    service.rename(setup.moderator, scope, orientation.anchor, "Perehdytys")
    views = service.clusters(scope)
    now_shifts, now_orientation = service.find(views, shifts.anchor), service.find(views, orientation.anchor)
    # the shifts' anchor and four orientation items: an orientation label now, and the other way round
    assert "perehdytys" in now_shifts.label and "vuoro" not in now_shifts.label
    assert "vuoro" in now_orientation.label and "perehdytys" not in now_orientation.label
    assert now_orientation.name == "Perehdytys"  # the moderator's name is what the page shows
    assert service.find(views, safety.anchor).label == safety.label  # untouched: the computed label
    session.execute(sa.delete(ClusterCache))  # recomputed from scratch: the same
    assert service.find(service.clusters(scope), shifts.anchor).label == now_shifts.label


def test_renaming_again_replaces_the_name(setup):
    scope = service.theme_scope(setup.workspace, setup.theme.id)
    anchor = service.clusters(scope)[0].anchor
    service.rename(setup.moderator, scope, anchor, "Yksi")
    service.rename(setup.moderator, scope, anchor, "Kaksi")
    assert service.clusters(scope)[0].name == "Kaksi"


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the cluster a name"), ("   ", "Give the cluster a name"), ("x" * 121, "at most 120")],
)
def test_bad_names_are_refused(setup, session, name, message):
    scope = service.theme_scope(setup.workspace, setup.theme.id)
    with pytest.raises(service.Refused, match=message):
        service.rename(setup.moderator, scope, service.clusters(scope)[0].anchor, name)
    assert session.scalar(sa.select(sa.func.count()).select_from(ClusterName)) == 0


def test_moves_out_of_scope_are_refused(setup, session):
    theme = service.theme_scope(setup.workspace, setup.theme.id)
    other = service.theme_scope(setup.workspace, setup.other_theme.id)
    views = service.clusters(theme)
    other_anchor = service.clusters(other)[0].anchor
    with pytest.raises(service.Refused, match="not among these clusters"):  # a cluster of another theme
        service.move(setup.moderator, theme, views[0].items[0].key, other_anchor)
    with pytest.raises(service.Refused, match="not among these clusters"):  # another workspace's note
        service.move(setup.moderator, theme, f"note:{setup.foreign_note.id}", views[1].anchor)
    with pytest.raises(service.Refused, match="not among these clusters"):  # hidden
        service.move(setup.moderator, theme, f"note:{setup.hidden_note.id}", views[1].anchor)
    with pytest.raises(service.Refused):
        service.move(setup.moderator, theme, "<script>", views[1].anchor)
    assert session.scalar(sa.select(sa.func.count()).select_from(ClusterMove)) == 0


def test_what_we_heard_goes_to_the_programme_with_its_sources(setup, session):
    from ideaspace.programme.service import build_programme

    scope = service.theme_scope(setup.workspace, setup.theme.id)
    cluster = service.clusters(scope)[0]
    service.send_heard(setup.moderator, scope, cluster.anchor, None, "Perehdytys **kaipaa** kummia.")
    heard = session.get(ThemeHeard, setup.theme.id)
    assert heard.summary_html == "<p>Perehdytys <strong>kaipaa</strong> kummia.</p>"
    assert heard.sources == [item.key for item in cluster.central]
    programme = build_programme(setup.workspace, "fi")
    theme = next(t for t in programme["themes"] if t["id"] == setup.theme.id)
    assert theme["heard"]["html"] == heard.summary_html
    assert len(theme["heard"]["references"]) == len(cluster.central)
    assert all(r["url"].startswith("http") for r in theme["heard"]["references"])
    # a source hidden later drops out of the references
    kind, number = cluster.central[0].key.split(":")
    obj = next(o for items in setup.items.values() for k, o in items if k == kind and o.id == int(number))
    obj.hidden_at = utcnow()
    session.flush()
    theme = next(t for t in build_programme(setup.workspace, "fi")["themes"] if t["id"] == setup.theme.id)
    assert len(theme["heard"]["references"]) == len(cluster.central) - 1


@pytest.mark.parametrize(
    ("summary", "message"), [("", "own words"), ("   ", "own words"), ("x" * 5001, "at most")]
)
def test_bad_summaries_are_refused(setup, session, summary, message):
    scope = service.theme_scope(setup.workspace, setup.theme.id)
    with pytest.raises(service.Refused, match=message):
        service.send_heard(setup.moderator, scope, service.clusters(scope)[0].anchor, None, summary)
    assert session.get(ThemeHeard, setup.theme.id) is None


def test_the_workspace_scope_needs_a_theme_of_its_own(setup, make, session):
    scope = service.Scope(setup.workspace)
    anchor = service.clusters(scope)[0].anchor
    foreign = make.theme(make.workspace())
    for theme_id in (None, "abc", foreign.id):
        with pytest.raises(service.Refused, match="Choose the theme"):
            service.send_heard(setup.moderator, scope, anchor, theme_id, "Kuultua")
    service.send_heard(setup.moderator, scope, anchor, str(setup.other_theme.id), "Kuultua")
    assert session.get(ThemeHeard, setup.other_theme.id) is not None


def test_the_algorithm_is_deterministic_and_handles_edge_cases():
    docs = [(f"note:{i}", ["perehdytys", "kummi"] if i % 2 else ["vuoro", "lista"]) for i in range(1, 21)]
    first = clustering.cluster(docs)
    assert [c.items for c in first] == [c.items for c in clustering.cluster(docs)]
    assert len(first) == 2
    assert clustering.cluster([]) == []
    (single,) = clustering.cluster([("note:1", [])])
    assert single.items == ["note:1"] and single.label == []
