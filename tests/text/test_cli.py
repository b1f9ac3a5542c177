"""`ideaspace doctor` and `ideaspace reindex`, and the demo found by base forms after `make run`'s
commands."""

from sqlalchemy import delete, func, select

from ideaspace import create_app
from ideaspace.extensions import db
from ideaspace.models import Workspace
from ideaspace.text import analysers
from ideaspace.text import search as service
from ideaspace.text.models import SearchEntry

from .marks import needs_voikko


def test_doctor_names_the_analysers_and_the_index(app, session, make):
    ws = make.workspace()
    make.note(make.activity(make.theme(ws)), None, text="Kokeilu")
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "fi: Voikko" in result.output if analysers.voikko_available() else "fi: Snowball" in result.output
    assert "sv: Snowball Swedish" in result.output and "Search index (" in result.output


def test_reindex_rebuilds_and_refuses_an_unknown_workspace(app, session, make):
    ws = make.workspace()
    make.note(make.activity(make.theme(ws)), None, text="Kokeilu")
    db.session.execute(delete(SearchEntry))
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["reindex", "--workspace", ws.slug, "--missing"])
    assert (
        missing.exit_code == 0
        and "Indexed 0 comments, 1 notes, 0 ideas, 1 themes, 0 measures and 0 quotes" in missing.output
    )
    again = runner.invoke(args=["reindex", "--workspace", ws.slug, "--missing"])
    assert "Indexed 0 comments, 0 notes, 0 ideas, 0 themes, 0 measures and 0 quotes" in again.output
    assert runner.invoke(args=["reindex"]).exit_code == 0
    unknown = runner.invoke(args=["reindex", "--workspace", "no-such"])
    assert unknown.exit_code != 0 and "No workspace with the address 'no-such'" in unknown.output


@needs_voikko
def test_the_demo_is_found_by_base_forms_after_make_runs_commands(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    database = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "t", "TESTING": True})
    runner = app.test_cli_runner()
    for args in (["init-db"], ["demo"], ["reindex", "--missing"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    with app.app_context():
        ws = db.session.scalar(select(Workspace).where(Workspace.slug == "henkilostoohjelma-2023-2025"))
        assert db.session.scalar(select(func.count()).select_from(SearchEntry)) > 0
        from ideaspace.models import Role, User

        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
        results = service.search(admin, ws, "perehdytys")
        marked = {p.lower() for h in results.hits for p, m in h.excerpt if m}
        assert results.total >= 2 and any(w.startswith("perehdytysalusta") for w in marked)
        db.engine.dispose()
