"""/favicon.ico, which browsers ask for on their own, is an icon, not a 404 (issue 17, 3)."""

from __future__ import annotations


def test_favicon_ico_leads_to_an_icon(client):
    response = client.get("/favicon.ico", follow_redirects=True)
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.data[:4] == b"\x00\x00\x01\x00"  # the ICO header


def test_the_pages_name_their_svg_icon(client):
    response = client.get("/login")
    assert 'rel="icon"' in response.get_data(as_text=True)
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in icon.data
