from ideaspace.models import Role


def test_login_page_renders_with_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_theme_page_shows_measures_table(client, make, login):
    ws = make.workspace()
    theme = make.theme(ws)
    measure = make.measure(theme)
    make.indicator(measure)
    user = make.user(Role.PARTICIPANT)
    make.member(ws, user)
    login(user)
    response = client.get(f"/w/{ws.slug}/themes/{theme.id}")
    assert response.status_code == 200, response.text
    html = response.text
    assert "Toimenpide" in html and "<script>alert" not in html
