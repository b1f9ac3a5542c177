"""Issue 14's insight stays off the theme page: a theme page request reads no search index and no
clusters and runs no search, no similarity and no clustering (they run on their own pages and
requests only), for a moderator, who sees the most, as for a participant. Every one of them reads
the index or the cluster tables, so a statement naming none of them proves none ran."""

from __future__ import annotations

import pytest

INSIGHT_TABLES = ("search_entry", "search_fts", "cluster_cache", "cluster_name", "cluster_move")


@pytest.mark.parametrize("who", ["moderator", "author"])
def test_the_theme_page_runs_no_search_similarity_or_clustering(
    client, login, setup, session, count_queries, who
):
    s = setup
    session.commit()
    url = f"/w/{s.workspace.slug}/themes/{s.theme.id}"
    login(getattr(s, who))
    client.get(url)  # the day's visit is recorded on the first view
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200 and statements
    touched = [sql for sql in statements if any(table in sql.lower() for table in INSIGHT_TABLES)]
    assert touched == []
