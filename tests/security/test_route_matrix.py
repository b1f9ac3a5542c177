"""Every route × every role, generated from `app.url_map`.

EXPECTATIONS says, for each endpoint and method, what each role gets (in ROLES order):

    login     a redirect to /login (nobody is signed in)
    ok        2xx
    redirect  a redirect elsewhere (a POST that did what it could with no data, or a GET that
              sends the reader on)
    bad       400 or 422 (a POST with a valid CSRF token but empty or garbage data)
    403 / 404 refused / not found
    a|b       either

A POST is sent with a valid CSRF token and garbage data; a 500 is never acceptable. A route with no
entry fails `test_every_route_has_an_expectation`, naming it. Routes that name objects of a workspace
are asked again with workspace A's slug and workspace B's ids (IDOR): whoever could act on A's own
object gets 404; the others get what they got before (sign-in, 403) or 404.

Adding a route: add a line below, usually with a preset (READ, MODERATE, ...).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from ..conftest import sign_in
from . import world as worlds
from .harness import build_url, outcome, request, rules, undone
from .world import ROLES

# --- presets ---------------------------------------------------------------------------------
# roles:        anonymous nonmember member observer other_moderator moderator admin
EVERYONE = "ok ok ok ok ok ok ok"
SIGNED_IN = "login ok ok ok ok ok ok"
# Whoever may read workspace A (invite-only): a platform moderator who does not moderate it may not.
READ = "login 403 ok ok 403 ok ok"
MODERATE = "login 403 403 403 403 ok ok"  # moderators of A and admins
MODERATE_POST = "login 403 403 403 403 bad bad"
MODERATE_DONE = "login 403 403 403 403 redirect redirect"  # a POST that needs no data
PARTICIPATE_POST = "login 403 bad 403 403 bad bad"  # write in A: members, its moderators, admins
PROGRAMME_READ = "login 403 403 ok 403 ok ok"  # moderators, admins and observers
ADMIN = "login 403 403 403 403 403 ok"
ADMIN_POST = "login 403 403 403 403 403 bad"
SUDO_ADMIN = "login 403 403 403 403 403 redirect"  # admins, sent to confirm their password first
SUDO_ADMIN_POST = "login 403 403 403 403 403 403"  # admins get the confirmation page there and then

EXPECTATIONS: dict[str, dict[str, str]] = {
    # platform
    "healthz": {"GET": EVERYONE},
    "pages.accessibility": {"GET": EVERYONE},
    "pages.favicon": {"GET": "redirect redirect redirect redirect redirect redirect redirect"},
    # the brand stylesheet, for everyone (the sign-in page wears the brand); the world has no logo
    "design.brand_css": {"GET": EVERYONE},
    "design.logo": {"GET": "404 404 404 404 404 404 404"},
    "auth.login": {
        "GET": "ok redirect redirect redirect redirect redirect redirect",
        "POST": "bad redirect redirect redirect redirect redirect redirect",
    },
    "auth.logout": {"POST": "login login login login login login login"},  # signed out, to sign-in
    "auth.language": {"POST": "bad bad bad bad bad bad bad"},  # no language chosen
    # Single sign-on is off in this world (no OIDC_ISSUER): the routes are not there. tests/sso runs
    # them on, against a real provider, for anonymous and every role.
    "sso.start": {"GET": "404 404 404 404 404 404 404"},
    "sso.callback": {"GET": "404 404 404 404 404 404 404"},
    "account.settings": {"GET": SIGNED_IN, "POST": "login bad bad bad bad bad bad"},
    # one's own sessions: the world's session id is nobody's (so not found); ending the others is
    # always possible (none is fine)
    "account.end_session": {"POST": "login 404 404 404 404 404 404"},
    "account.end_other_sessions": {"POST": "login redirect redirect redirect redirect redirect redirect"},
    # sudo mode: whoever is signed in with a password confirms it (a wrong one is a form error)
    "auth.sudo": {"GET": SIGNED_IN, "POST": "login bad bad bad bad bad bad"},
    "notifications.settings": {"POST": "login bad bad bad bad bad bad"},
    # One-click unsubscribe works signed out; the world's token is an invitation's, not an
    # unsubscribe token: the same clear "not valid" page for everyone (tests/notifications).
    "notifications.unsubscribe_page": {"GET": "404 404 404 404 404 404 404"},
    "notifications.unsubscribe": {"POST": "404 404 404 404 404 404 404"},
    "invitations.signin": {"GET": EVERYONE},  # the landing page of a personal link
    "invitations.signin_post": {"POST": "redirect redirect redirect redirect redirect redirect redirect"},
    # a working link's "send me a new link" sends the reader to the link itself
    "invitations.new_link": {"POST": "redirect redirect redirect redirect redirect redirect redirect"},
    "invitations.new_link_sent": {"GET": EVERYONE},
    # self-service sign-in: the same for everyone (an empty address is a form error)
    "auth.request_link": {"GET": EVERYONE, "POST": "bad bad bad bad bad bad bad"},
    "auth.link_sent": {"GET": EVERYONE},
    "auth.forgot_password": {"GET": EVERYONE, "POST": "bad bad bad bad bad bad bad"},
    "auth.reset_sent": {"GET": EVERYONE},
    "auth.reset_password": {"GET": EVERYONE, "POST": "bad bad bad bad bad bad bad"},
    "auth.password": {"GET": SIGNED_IN, "POST": "login bad bad bad bad bad bad"},
    "workspaces.index": {"GET": SIGNED_IN},
    "workspaces.manage.new_workspace": {
        "GET": "login 403 403 403 ok ok ok",
        "POST": "login 403 403 403 bad bad bad",
    },
    # administration
    "admin.users": {"GET": ADMIN},
    "admin.new_user": {"GET": ADMIN, "POST": ADMIN_POST},
    "admin.edit_user": {"GET": ADMIN, "POST": ADMIN_POST},
    "admin.units": {"GET": ADMIN},
    "admin.new_unit": {"GET": ADMIN, "POST": ADMIN_POST},
    "admin.edit_unit": {"GET": ADMIN, "POST": "login 403 403 403 403 403 redirect"},  # fields kept
    "people.import_people": {"GET": ADMIN, "POST": ADMIN_POST},
    "people.confirm_import": {"POST": ADMIN_POST},
    "moderation.audit_log": {"GET": ADMIN},
    # Admins only, and each in sudo mode too: the world's admin is not in sudo mode, so a page
    # sends them to the confirmation and a POST gets the confirmation page (403); SUDO_EXPECTATIONS
    # says what the admin gets in sudo mode.
    "settings.index": {"GET": SUDO_ADMIN},
    "settings.setting": {"GET": "login 403 403 403 403 403 redirect"},  # to the setting on the page
    "settings.change": {"POST": SUDO_ADMIN_POST},
    "settings.reset": {"POST": SUDO_ADMIN_POST},
    "transfer.backup": {"GET": SUDO_ADMIN},  # a workspace's full backup, the pending pool included
    "privacy.erase": {"GET": ADMIN, "POST": ADMIN_POST},
    "privacy.my_data": {"GET": SIGNED_IN},
    # a workspace
    "workspaces.workspace": {"GET": READ},
    "workspaces.theme": {"GET": READ},
    "discussion.measure": {"GET": READ},
    "discussion.show": {"GET": READ},  # a theme's (and a discussion activity's) whole discussion
    "discussion.create": {"POST": PARTICIPATE_POST},
    # the comment is the member's own: only its author edits and withdraws it, others like it
    "discussion.edit": {"GET": "login 403 ok 403 403 403 403", "POST": "login 403 bad 403 403 403 403"},
    "discussion.withdraw": {"POST": "login 403 redirect 403 403 403 403"},
    "preview.markdown_preview": {"POST": SIGNED_IN},  # renders the garbage as text; stores nothing
    "discussion.like": {"POST": "login 403 403 403 403 redirect redirect"},
    "polls.answer": {"POST": PARTICIPATE_POST},
    "polls.results": {"GET": READ},
    "notes.wall": {"GET": READ},
    "notes.post": {"POST": PARTICIPATE_POST},
    "notes.similar": {"POST": "login 403 redirect 403 403 redirect redirect"},  # htmx hints; plain: the wall
    "notes.create_group": {"POST": MODERATE_POST},
    "notes.assign": {"POST": MODERATE_DONE},  # no group: the note leaves its group
    "ideas.index": {"GET": READ},
    "ideas.mine": {"GET": READ},
    "text.search": {"GET": READ},  # only what the searcher may read (tests/text)
    "ideas.idea": {"GET": READ},
    "ideas.submit": {"POST": PARTICIPATE_POST},
    "ideas.support": {"POST": "login 403 redirect 403 403 redirect redirect"},  # a toggle
    "ideas.change_status": {"POST": MODERATE_POST},
    # Suggestions while typing: an htmx fragment; a plain POST is sent to the barrel.
    "ideas.similar": {"POST": "login 403 redirect 403 403 redirect redirect"},
    # moderation (the reported comment is the member's own, which they cannot report; the other
    # workspace's moderator may not read A)
    "moderation.report": {"GET": "login 403 404 403 403 403 403", "POST": "login 403 404 403 403 403 403"},
    "moderation.queue": {"GET": MODERATE},
    "moderation.clear": {"POST": MODERATE_DONE},
    "moderation.bulk_moderate": {"POST": MODERATE_POST},  # nothing selected: the queue with its error
    "moderation.hide": {"GET": MODERATE, "POST": MODERATE_POST},
    "moderation.restore": {"GET": MODERATE, "POST": MODERATE_DONE},  # not hidden: nothing to do
    "moderation.dismiss": {"GET": MODERATE, "POST": MODERATE_DONE},
    "moderation.decide": {"GET": MODERATE, "POST": MODERATE_POST},
    # merging a new idea shows its form (errors without a target); promoting needs a theme: back to the idea
    "moderation.merge": {
        "GET": MODERATE,
        "POST": MODERATE_POST,
    },  # a new idea may be merged: the form, then its errors
    "moderation.promote": {"GET": MODERATE_DONE, "POST": MODERATE_DONE},
    # managing the workspace
    "workspaces.manage.settings": {"GET": MODERATE},
    "workspaces.manage.edit_workspace": {"GET": MODERATE, "POST": MODERATE_POST},
    "workspaces.manage.add_moderator": {"POST": MODERATE_POST},
    "workspaces.manage.remove_moderator": {"POST": MODERATE_DONE},
    "workspaces.manage.new_theme": {"GET": MODERATE, "POST": MODERATE_POST},
    "workspaces.manage.theme": {"GET": MODERATE},
    "workspaces.manage.copy_workspace": {"GET": MODERATE, "POST": MODERATE_POST},  # copy as a template
    # an edit form posted without its fields keeps the stored values (WTForms), so it saves
    "workspaces.manage.edit_theme": {"GET": MODERATE, "POST": MODERATE_DONE},
    "workspaces.manage.move_theme": {"POST": MODERATE_POST},
    "workspaces.manage.reorder_themes": {"POST": MODERATE_POST},  # no order: 422, nothing saved
    "workspaces.manage.delete_theme": {"POST": MODERATE_DONE},
    "workspaces.manage.new_measure": {"GET": MODERATE, "POST": MODERATE_POST},
    "workspaces.manage.edit_measure": {"GET": MODERATE, "POST": MODERATE_DONE},
    "workspaces.manage.move_measure": {"POST": MODERATE_POST},
    "workspaces.manage.reorder_measures": {"POST": MODERATE_POST},
    "workspaces.manage.delete_measure": {"POST": MODERATE_DONE},
    "workspaces.manage.new_indicator": {"GET": MODERATE, "POST": MODERATE_POST},
    "workspaces.manage.edit_indicator": {"GET": MODERATE, "POST": MODERATE_DONE},
    "workspaces.manage.move_indicator": {"POST": MODERATE_POST},
    "workspaces.manage.delete_indicator": {"POST": MODERATE_DONE},
    "workspaces.manage.new_activity": {"GET": MODERATE, "POST": MODERATE_POST},
    "workspaces.manage.edit_activity": {"GET": MODERATE, "POST": MODERATE_POST},
    "workspaces.manage.move_activity": {"POST": MODERATE_POST},
    "workspaces.manage.reorder_activities": {"POST": MODERATE_POST},
    "workspaces.manage.delete_activity": {"POST": MODERATE_DONE},
    # invitations and statistics
    "invitations.index": {"GET": MODERATE},
    "notifications.mail_texts": {"GET": MODERATE, "POST": MODERATE_POST},
    "invitations.invite": {"POST": MODERATE_POST},
    "invitations.reminder": {"GET": MODERATE},
    "invitations.send_reminder": {"POST": MODERATE_DONE},
    "stats.statistics": {"GET": PROGRAMME_READ},
    "stats.statistics_csv": {"GET": PROGRAMME_READ},
    "stats.statistics_xlsx": {"GET": PROGRAMME_READ},
    # the programme, its quotes, exports and follow-up
    "programme.index": {"GET": MODERATE},
    "programme.preview": {"GET": PROGRAMME_READ},
    "programme.version_list": {"GET": PROGRAMME_READ},
    "programme.version": {"GET": PROGRAMME_READ},
    "programme.compare_versions": {"GET": PROGRAMME_READ},
    "programme.publish": {"POST": MODERATE_DONE},  # a version needs no note
    "programme.choose_results": {"POST": MODERATE_DONE},  # nothing chosen
    "programme.move_result": {"POST": MODERATE_POST},
    "programme.measure_status": {"POST": MODERATE_POST},
    "quotes.pick": {"GET": MODERATE, "POST": MODERATE_POST},
    "quotes.edit": {"GET": MODERATE, "POST": MODERATE_DONE},
    "quotes.move": {"POST": MODERATE_POST},
    "quotes.remove": {"POST": MODERATE_DONE},
    # clusters of what people wrote (issue 14): moderators of A and admins; a POST with no scope is bad
    "insight.workspace": {"GET": MODERATE},
    "insight.theme": {"GET": MODERATE},
    "insight.activity": {"GET": MODERATE},
    "insight.rename": {"POST": MODERATE_POST},
    "insight.move": {"POST": MODERATE_POST},
    "insight.heard": {"POST": MODERATE_POST},
    "insight.remove_heard": {"POST": MODERATE_DONE},  # the theme has none: a message
    "exports.download": {"GET": MODERATE},  # the live draft (versions: observers too)
    "exports.content": {"GET": MODERATE},  # every comment, note and idea: not observers
    "followup.index": {"GET": PROGRAMME_READ},
    "followup.record": {"POST": MODERATE_POST},
    "followup.delete": {"POST": MODERATE_DONE},
    # images (issue 18): a variant of the member's idea's picture goes to whoever may read the idea;
    # covers are set by moderators (garbage: no file, no alt text), an idea's picture by its author
    "images.show": {"GET": READ},
    "images.workspace_cover": {"GET": MODERATE, "POST": MODERATE_POST},
    "images.remove_workspace_cover": {"POST": MODERATE_DONE},
    "images.theme_cover": {"GET": MODERATE, "POST": MODERATE_POST},
    "images.remove_theme_cover": {"POST": MODERATE_DONE},
    "images.idea_image": {"GET": "login 403 ok 403 403 403 403", "POST": "login 403 bad 403 403 403 403"},
    "images.remove_idea_image": {"POST": "login 403 redirect 403 403 403 403"},
    # live workshops: A's is run by the member (a supervisor with a unit); its moderators and admins
    # may run it too. Observers and other workspaces' moderators may not start or run one.
    "workshops.start": {"GET": "login 403 ok 403 403 ok ok", "POST": PARTICIPATE_POST},
    "workshops.control": {"GET": "login 403 ok 403 403 ok ok"},
    "workshops.qr": {"GET": "login 403 ok 403 403 ok ok"},
    "workshops.present": {"GET": "login 403 ok 403 403 ok ok"},
    "workshops.pace": {"POST": "login 403 redirect 403 403 redirect redirect"},  # no action: a message
    "workshops.decide": {"POST": "login 403 bad 403 403 bad bad"},
    # the big screen's and the control view's event stream: whoever runs the session
    "workshops.screen_events": {"GET": "login 403 ok 403 403 ok ok"},
    # joining is for everyone (no code: a form error); without the session's cookie the phone's
    # pages send the reader to join first, whoever they are (WORKSHOP_GUEST_EXPECTATIONS: guests)
    "workshops.join": {"GET": EVERYONE, "POST": "bad bad bad bad bad bad bad"},
    "workshops.participate": {"GET": "redirect redirect redirect redirect redirect redirect redirect"},
    "workshops.answer": {"POST": "redirect redirect redirect redirect redirect redirect redirect"},
    "workshops.note": {"POST": "redirect redirect redirect redirect redirect redirect redirect"},
    # a phone's event stream answers only a device that joined (an EventSource cannot follow a
    # redirect to the join page): everyone else is refused
    "workshops.phone_events": {"GET": "403 403 403 403 403 403 403"},
}

# Two more roles for the workshop routes, neither signed in: a guest (the device cookie of a guest of
# A's workshop) and a stranger (a validly signed cookie naming B's guest in A's workshop: refused).
WORKSHOP_ROLES = ("guest", "stranger")
WORKSHOP_GUEST_EXPECTATIONS: dict[str, dict[str, str]] = {
    "workshops.start": {"GET": "login login", "POST": "login login"},
    "workshops.control": {"GET": "login login"},
    "workshops.qr": {"GET": "login login"},
    "workshops.present": {"GET": "login login"},
    "workshops.pace": {"POST": "login login"},
    "workshops.decide": {"POST": "login login"},
    "workshops.screen_events": {"GET": "login login"},
    "workshops.join": {"GET": "ok ok", "POST": "bad bad"},
    "workshops.participate": {"GET": "ok 403"},
    "workshops.answer": {"POST": "bad 403"},  # the step is a notes wall: no answer to take
    "workshops.note": {"POST": "bad 403"},  # garbage, no text: a form error
    "workshops.phone_events": {"GET": "ok 403"},
}

# What the admin gets for the sudo-gated routes above once in sudo mode.
SUDO_EXPECTATIONS: dict[str, dict[str, str]] = {
    "settings.index": {"GET": "ok"},
    "settings.setting": {"GET": "redirect"},
    "settings.change": {"POST": "bad"},  # garbage for the brand colour: a form error
    "settings.reset": {"POST": "redirect"},
    "transfer.backup": {"GET": "ok"},
    "auth.sudo": {"GET": "ok"},
}

# Routes whose ids are not a workspace's objects, with what B's id gets instead.
IDOR_OVERRIDES = {
    # A user id is global: removing someone who does not moderate A is refused with a message.
    "workspaces.manage.remove_moderator": MODERATE_DONE,
}


def _expected(spec: str) -> dict[str, set[str]]:
    tokens = spec.split()
    assert len(tokens) == len(ROLES), f"{spec!r} names {len(tokens)} outcomes for {len(ROLES)} roles"
    return {role: set(token.split("|")) for role, token in zip(ROLES, tokens, strict=True)}


def _idor_expected(endpoint: str, spec: str) -> dict[str, set[str]]:
    if endpoint in IDOR_OVERRIDES:
        return _expected(IDOR_OVERRIDES[endpoint])
    return {
        role: (
            {"login", "404"} if allowed == {"login"} else {"403", "404"} if allowed == {"403"} else {"404"}
        )
        for role, allowed in _expected(spec).items()
    }


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _blueprint(endpoint: str) -> str:
    return endpoint.rsplit(".", 1)[0] if "." in endpoint else "app"


def _all_blueprints() -> list[str]:
    return sorted({_blueprint(e) for e in EXPECTATIONS})


def test_every_route_has_an_expectation(app):
    missing = []
    for rule in rules(app):
        listed = EXPECTATIONS.get(rule.endpoint, {})
        missing += [
            f"add the expected outcome for {rule.endpoint} {method} ({rule.rule}) to EXPECTATIONS "
            "in tests/security/test_route_matrix.py"
            for method in _methods(rule)
            if method not in listed
        ]
    assert not missing, "\n".join(missing)


def test_no_stale_expectations(app):
    known = {(rule.endpoint, method) for rule in rules(app) for method in _methods(rule)}
    stale = [f"{e} {m}" for e, methods in EXPECTATIONS.items() for m in methods if (e, m) not in known]
    assert not stale, "EXPECTATIONS lists routes that no longer exist: " + ", ".join(stale)


# Totals for the report: (endpoint, method, role) requests checked, plain and with B's ids.
CHECKED: dict[str, int] = defaultdict(int)


@pytest.mark.parametrize("blueprint", _all_blueprints())
def test_route_matrix(app, client, make, session, blueprint):
    world = worlds.build(make, session)
    failures = []
    for rule in sorted(rules(app), key=lambda r: r.endpoint):
        if _blueprint(rule.endpoint) != blueprint or rule.endpoint not in EXPECTATIONS:
            continue
        url = build_url(app, rule.endpoint, worlds.params_for(rule.endpoint, rule.arguments, world))
        idor_url = None
        if worlds.has_ids(rule.endpoint, rule.arguments):
            idor_url = build_url(
                app, rule.endpoint, worlds.params_for(rule.endpoint, rule.arguments, world, "b")
            )
        for method in _methods(rule):
            spec = EXPECTATIONS[rule.endpoint].get(method)
            if spec is None:
                continue  # reported by test_every_route_has_an_expectation
            checks = [("", url, _expected(spec))]
            if idor_url:
                checks.append(("with B's ids ", idor_url, _idor_expected(rule.endpoint, spec)))
            for label, target, expected in checks:
                for role in ROLES:
                    got = request(client, session, world, role, method, target)
                    CHECKED["idor" if label else "plain"] += 1
                    if got not in expected[role]:
                        failures.append(
                            f"{rule.endpoint} {method} {label}as {role}: expected "
                            f"{'|'.join(sorted(expected[role]))}, got {got}  ({target})"
                        )
    assert not failures, "\n".join(failures)


def test_sudo_routes_for_an_admin_in_sudo_mode(app, client, make, session):
    """The admin's refusals above are only the missing confirmation: in sudo mode they get in."""
    world = worlds.build(make, session)
    admin = world.user("admin")
    by_endpoint = {rule.endpoint: rule for rule in rules(app)}
    failures = []
    for endpoint, methods in SUDO_EXPECTATIONS.items():
        rule = by_endpoint[endpoint]
        url = build_url(app, endpoint, worlds.params_for(endpoint, rule.arguments, world))
        for method, expected in methods.items():
            with client.session_transaction() as sess:
                sess.clear()
            sign_in(client, admin, sudo=True)
            with undone(session):
                response = client.open(url, method=method, data={"x": "garbage"})
                got = outcome(response)
            if got != expected:
                failures.append(f"{endpoint} {method} in sudo mode: expected {expected}, got {got}")
    assert not failures, "\n".join(failures)


def test_matrix_size():
    """The matrix covers every role for every (route, method) it lists."""
    pairs = sum(len(methods) for methods in EXPECTATIONS.values())
    assert pairs >= 100
    assert all(
        len(spec.split()) == len(ROLES) for methods in EXPECTATIONS.values() for spec in methods.values()
    )


def _guest_cookie(app, world, role: str) -> str:
    from sqlalchemy import select

    from ideaspace.extensions import db
    from ideaspace.workshops.models import Guest
    from ideaspace.workshops.views import _serializer

    side = world.a if role == "guest" else world.b
    guest_id = db.session.scalar(select(Guest.id).where(Guest.workshop_id == side.workshop.id))
    with app.test_request_context():
        return _serializer().dumps({"w": world.a.workshop.id, "g": guest_id})


def test_workshop_routes_for_guests_and_strangers(app, client, make, session):
    """Every workshop route as a guest device of A's session, and as a device whose cookie names
    another session's guest: guests reach only the phone's pages, strangers nothing."""
    from ideaspace.workshops.views import COOKIE

    world = worlds.build(make, session)
    by_endpoint = {rule.endpoint: rule for rule in rules(app)}
    listed = {e for e in EXPECTATIONS if e.startswith("workshops.")}
    assert listed == set(WORKSHOP_GUEST_EXPECTATIONS), "every workshop route needs its guest expectations"
    failures = []
    for endpoint, methods in WORKSHOP_GUEST_EXPECTATIONS.items():
        rule = by_endpoint[endpoint]
        url = build_url(app, endpoint, worlds.params_for(endpoint, rule.arguments, world))
        for method, spec in methods.items():
            for role, token in zip(WORKSHOP_ROLES, spec.split(), strict=True):
                with client.session_transaction() as sess:
                    sess.clear()
                client.set_cookie(COOKIE, _guest_cookie(app, world, role), domain="localhost")
                with undone(session):
                    if method == "GET":
                        response = client.get(url)
                    else:
                        response = client.open(url, method=method, data={"x": "garbage"})
                    got = outcome(response)
                if got != token:
                    failures.append(f"{endpoint} {method} as {role}: expected {token}, got {got} ({url})")
    client.delete_cookie(COOKIE, domain="localhost")
    assert not failures, "\n".join(failures)
