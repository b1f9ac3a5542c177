"""A theme's "what we heard" in the exports: HTML (and so PDF), DOCX and Markdown, its sources as
references. (The test app's documents come out in English.)"""

from __future__ import annotations

import io

import pytest
from docx import Document

from ideaspace.exports.service import export
from ideaspace.insight import service


@pytest.fixture
def heard(setup, app):
    scope = service.theme_scope(setup.workspace, setup.theme.id)
    cluster = service.clusters(scope)[0]
    service.send_heard(
        setup.moderator, scope, cluster.anchor, None, "Kuulimme **paljon** <script>x</script>."
    )
    return cluster


def _data(result) -> bytes:
    return result.data if isinstance(result.data, bytes) else b"".join(result.data)


def test_html_markdown_and_docx_show_the_summary_and_its_references(setup, heard, app):
    with app.test_request_context("/"):
        html = _data(export(setup.moderator, setup.workspace, "html", "fi")).decode()
        markdown = _data(export(setup.moderator, setup.workspace, "md", "fi")).decode()
        docx = Document(io.BytesIO(_data(export(setup.moderator, setup.workspace, "docx", "fi"))))
    first = heard.central[0]
    assert "<strong>paljon</strong>" in html and "<script>" not in html
    assert "What we heard" in html and html.count('class="programme-doc__references"') == 1
    assert "### What we heard" in markdown and "**paljon**" in markdown
    assert markdown.count("](<http") >= len(heard.central)
    texts = [p.text for p in docx.paragraphs]
    assert "What we heard" in texts
    assert any("paljon" in t for t in texts)
    references = [t for t in texts if t.startswith("1. ")]
    assert references and "http" in references[-1]
    assert (first.title or first.text)[:20] in html
