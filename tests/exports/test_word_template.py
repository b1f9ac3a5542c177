"""The organisation's Word template: checked on upload (size, Word or not, macros; a .dotx made a
.docx), stored in the instance settings, and used by the Word export with its own styles."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import RGBColor
from sqlalchemy import select

from ideaspace.exports import docx as docx_export
from ideaspace.exports import frame, word_template, wordml
from ideaspace.exports.service import export
from ideaspace.models import AuditLog, InstanceSetting, Role
from ideaspace.settings import service as settings

from ..conftest import sign_in

RED = RGBColor(0xC0, 0x10, 0x20)


def organisation_template(*, drop: tuple[str, ...] = ()) -> bytes:
    """A template as an organisation makes one: its own Heading 1, a style of its own, a logo
    line in the header, some sample text in the body; `drop` leaves styles out, as Word does
    with the styles a template never used."""
    document = docx.Document()
    document.styles["Heading 1"].font.color.rgb = RED
    own = document.styles.add_style("Kokkola Body", 1)
    own.base_style = document.styles["Normal"]
    document.sections[0].header.paragraphs[0].text = "KOKKOLA LOGO"
    document.add_paragraph("Sample text of the template, to be cleared.")
    root = document.styles.element
    for name in drop:
        root.remove(document.styles[name].element)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def as_dotx(data: bytes) -> bytes:
    """The same package as a Word template: only the main part's content type differs."""
    return rewrite(
        data,
        "[Content_Types].xml",
        lambda xml: xml.replace(word_template.DOCUMENT_MAIN.encode(), word_template.TEMPLATE_MAIN.encode()),
    )


def rewrite(data: bytes, name: str, change=None, *, add: tuple[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == name and change:
                content = change(content)
            target.writestr(entry.filename, content)
        if add:
            target.writestr(*add)
    return out.getvalue()


def render(programme: dict, template: bytes):
    return docx.Document(io.BytesIO(docx_export.render(programme, template, today=date(2026, 12, 4))))


# --- checking an upload -------------------------------------------------------------------------


def test_a_docx_is_kept_as_it_is(app):
    data = organisation_template()
    assert word_template.prepare(data, "Kokkola.docx") == data


def test_a_dotx_becomes_a_document_python_docx_opens(app):
    dotx = as_dotx(organisation_template())
    with pytest.raises(ValueError):
        docx.Document(io.BytesIO(dotx))  # python-docx refuses a template as it is
    prepared = word_template.prepare(dotx, "Kokkola.DOTX")
    with zipfile.ZipFile(io.BytesIO(prepared)) as package:
        types = package.read("[Content_Types].xml")
        assert (
            word_template.DOCUMENT_MAIN.encode() in types
            and word_template.TEMPLATE_MAIN.encode() not in types
        )
        assert b"KOKKOLA LOGO" in package.read("word/header1.xml")  # every other part as it was
    assert docx.Document(io.BytesIO(prepared)).styles["Kokkola Body"]


MACRO_TYPE = b'<Override PartName="/word/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'


def bad_uploads():
    good = organisation_template()
    return [
        pytest.param(b"", "empty.docx", "Choose a file.", id="empty"),
        pytest.param(
            b"PK\x03\x04" + b"x" * (5 * 1024 * 1024), "big.docx", word_template.TOO_LARGE, id="over-5-MB"
        ),
        pytest.param(b"not a zip at all", "plain.docx", word_template.NOT_WORD, id="not-a-zip"),
        pytest.param(good, "template.odt", word_template.NOT_WORD, id="wrong-extension"),
        pytest.param(good, "template.docm", word_template.MACROS, id="docm"),
        pytest.param(good, "template.dotm", word_template.MACROS, id="dotm"),
        pytest.param(
            rewrite(good, "", add=("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")),
            "renamed.docx",
            word_template.MACROS,
            id="vbaProject-inside",
        ),
        pytest.param(
            rewrite(
                good,
                "[Content_Types].xml",
                lambda xml: xml.replace(
                    word_template.DOCUMENT_MAIN.encode(),
                    b"application/vnd.ms-word.document.macroEnabled.main+xml",
                ),
            ),
            "macro.docx",
            word_template.MACROS,
            id="macro-enabled-type",
        ),
        pytest.param(
            rewrite(
                good, "[Content_Types].xml", lambda xml: xml.replace(b"</Types>", MACRO_TYPE + b"</Types>")
            ),
            "types.docx",
            word_template.MACROS,
            id="vbaProject-type",
        ),
        pytest.param(
            rewrite(good, "[Content_Types].xml", lambda xml: b"<Types"),
            "broken.docx",
            word_template.NOT_WORD,
            id="broken-content-types",
        ),
        pytest.param(_xlsx(), "sheet.docx", word_template.NOT_WORD, id="a-spreadsheet-renamed"),
        pytest.param(
            rewrite(good, "word/styles.xml", lambda xml: b"<w:styles"),
            "styles.docx",
            word_template.NOT_WORD,
            id="broken-styles",
        ),
    ]


def _xlsx() -> bytes:
    import openpyxl

    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


@pytest.mark.parametrize(("data", "name", "message"), bad_uploads())
def test_bad_uploads_are_refused_with_a_clear_message(app, data, name, message):
    with pytest.raises(word_template.TemplateError) as refused:
        word_template.prepare(data, name)
    assert str(refused.value.message) == str(message)


# --- storing it ---------------------------------------------------------------------------------


@pytest.fixture
def admin(make):
    return make.user(role=Role.ADMIN)


def test_an_upload_is_stored_audited_and_used(session, admin):
    """(The settings store checks the upload through the setting's `prepare`.)"""
    frame.upload_template(admin, as_dotx(organisation_template()), "Kokkola.dotx")
    session.flush()
    stored = frame.template()
    assert stored and docx.Document(io.BytesIO(stored)).styles["Kokkola Body"]
    row = session.get(InstanceSetting, frame.TEMPLATE)
    assert row.value == {"filename": "Kokkola.dotx"} and row.content_type == word_template.DOCX
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "setting.change")).all()[-1]
    assert entry.details["key"] == frame.TEMPLATE and entry.actor_id == admin.id


@pytest.mark.parametrize(("data", "name", "message"), bad_uploads()[3:6])
def test_a_refused_upload_keeps_the_current_template(session, admin, data, name, message):
    frame.upload_template(admin, organisation_template(), "current.docx")
    session.flush()
    current = frame.template()
    audit_entries = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    with pytest.raises(settings.SettingError) as refused:
        frame.upload_template(admin, data, name)
    assert str(refused.value.message) == str(message)
    assert frame.template() == current
    assert session.get(InstanceSetting, frame.TEMPLATE).value == {"filename": "current.docx"}
    assert session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) == audit_entries


def test_removing_the_template_brings_back_the_default(session, admin):
    frame.upload_template(admin, organisation_template(), "Kokkola.docx")
    session.flush()
    frame.remove_template(admin)
    session.flush()
    assert frame.template() is None
    assert frame.document_frame("docx") == {"organisation": None, "template": None}


def test_the_export_uses_the_stored_template_and_the_organisation_name(session, admin, make):
    workspace = make.workspace(slug="kehys")
    make.measure(make.theme(workspace))
    session.commit()
    frame.upload_template(admin, organisation_template(), "Kokkola.docx")
    settings.put(admin, frame.ORGANISATION, "  Kokkolan kaupunki \n– Karleby stad ")
    session.flush()
    document = docx.Document(io.BytesIO(export(admin, workspace, "docx", "fi").data))
    assert "Kokkola Body" in {s.name for s in document.styles}
    assert document.styles["Heading 1"].font.color.rgb == RED
    subtitle = next(p for p in document.paragraphs if p.style.name == "Subtitle")
    assert subtitle.text == "Kokkolan kaupunki – Karleby stad"


def test_a_long_organisation_name_is_refused(session, admin):
    with pytest.raises(settings.SettingError):
        settings.put(admin, frame.ORGANISATION, "x" * 201)
    assert settings.get(frame.ORGANISATION) == ""


# --- rendering on it ----------------------------------------------------------------------------


def test_the_template_keeps_its_styles_header_and_loses_its_body(programme_fi):
    document = render(programme_fi, organisation_template())
    names = {s.name for s in document.styles}
    # Its own styles, not pruned: python-docx's full set is still there, and its own.
    assert {"Kokkola Body", "Light Shading Accent 1", "Medium Grid 3 Accent 6"} <= names
    assert document.styles["Heading 1"].font.color.rgb == RED
    assert not any("Sample text of the template" in p.text for p in document.paragraphs)
    header = document.sections[0].header
    assert header.paragraphs[0].text == "KOKKOLA LOGO"  # the template's own header stays
    assert wordml.has_field(document.sections[0].footer._element, "PAGE")  # and gets page numbers
    assert document.paragraphs[1].style.name == "Title"  # the cover opens the document


def test_styles_the_template_lacks_come_from_the_default(programme_fi):
    missing = ("Heading 2", "Quote", "Light Grid Accent 1", "Caption")
    document = render(programme_fi, organisation_template(drop=missing))
    used = {p.style.name for p in document.paragraphs} | {t.style.name for t in document.tables}
    assert set(missing) <= used and {"Table Text", "Quote Attribution"} <= {s.name for s in document.styles}
    # The copied list and quote styles name nothing the template lacks.
    ids = {s.get(qn("w:styleId")) for s in document.styles.element.findall(qn("w:style"))}
    for style in document.styles.element.findall(qn("w:style")):
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = style.find(qn(tag))
            assert ref is None or ref.get(qn("w:val")) in ids


# --- the admin settings page ----------------------------------------------------------------------

URL = "/admin/settings/word_template"


def upload(client, data: bytes, name: str, mimetype: str = "application/octet-stream"):
    return client.post(
        URL,
        data={"word_template-value": (io.BytesIO(data), name, mimetype)},
        content_type="multipart/form-data",
    )


def test_an_admin_in_sudo_mode_uploads_a_dotx_and_resets_it(client, session, admin):
    sign_in(client, admin, sudo=True)
    page = client.get("/admin/settings").text
    assert "Word template of the programme" in page and "Organisation" in page
    dotx = "application/vnd.openxmlformats-officedocument.wordprocessingml.template"
    response = upload(client, as_dotx(organisation_template()), "Kokkola.dotx", dotx)
    assert response.status_code == 302
    session.expire_all()
    assert docx.Document(io.BytesIO(frame.template())).styles["Kokkola Body"]
    assert "Kokkola.dotx" in client.get("/admin/settings").text
    assert client.post(f"{URL}/reset").status_code == 302
    session.expire_all()
    assert frame.template() is None


@pytest.mark.parametrize(("data", "name", "message"), bad_uploads()[1:])
def test_a_bad_upload_on_the_page_is_refused_and_the_template_stays(
    client, session, admin, data, name, message
):
    frame.upload_template(admin, organisation_template(), "current.docx")
    session.commit()
    sign_in(client, admin, sudo=True)
    before = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    response = upload(client, data, name)
    if len(data) > word_template.MAX_BYTES:  # over the request limit (MAX_CONTENT_LENGTH, 5 MB)
        # the form's own error on the settings page, not the generic "too large" page
        assert response.status_code == 413
        assert "The file is too large (at most 5 MB)." in response.text
        assert 'id="word_template-value"' in response.text
        assert "current.docx" in response.text  # the current template is still named
    else:
        assert response.status_code == 422
        assert str(message).replace("'", "&#39;") in response.text
    session.expire_all()
    assert session.get(InstanceSetting, frame.TEMPLATE).value == {"filename": "current.docx"}
    assert session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) == before


@pytest.mark.parametrize("role", ["anonymous", "participant", "moderator", "admin"])
def test_a_too_large_upload_shows_the_settings_page_only_to_an_admin_in_sudo_mode(
    client, make, session, role
):
    if role != "anonymous":
        roles = {"participant": Role.PARTICIPANT, "moderator": Role.MODERATOR}
        sign_in(client, make.user(role=roles.get(role, Role.ADMIN)))  # not in sudo mode
    response = upload(client, b"PK" + b"x" * (word_template.MAX_BYTES + 10), "big.docx")
    assert response.status_code == 413
    assert (
        "The file is too large (at most 5 MB)." not in response.text
        and "Instance settings" not in response.text
    )
    session.expire_all()
    assert session.get(InstanceSetting, frame.TEMPLATE) is None


@pytest.mark.parametrize("role", ["anonymous", "participant", "observer", "moderator", "admin"])
def test_only_an_admin_in_sudo_mode_uploads(client, make, session, role):
    if role != "anonymous":
        roles = {"participant": Role.PARTICIPANT, "observer": Role.OBSERVER, "moderator": Role.MODERATOR}
        sign_in(client, make.user(role=roles.get(role, Role.ADMIN)))  # not in sudo mode
    response = upload(client, organisation_template(), "Kokkola.docx")
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.location
    elif role == "admin":  # asked to confirm the password first
        assert response.status_code != 302 and 'action="/sudo' in response.text
    else:
        assert response.status_code == 403
    session.expire_all()
    assert session.get(InstanceSetting, frame.TEMPLATE) is None
