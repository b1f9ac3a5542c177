"""CLI fuzzing: every `ideaspace` command of `app.cli`, with hostile files and text in each of its
arguments and options. A refusal exits ≠ 0 with a clear message; nothing raises or prints a
traceback (DESIGN: "Bad input gets a clear answer").

The commands and their parameters come from click (a command added today joins by itself); a
required parameter the fuzzer cannot fill fails, naming it.
"""

from __future__ import annotations

import json

import click
import pytest

from ideaspace.models import Role

NUL = "\x00"
TEXT = (
    NUL,
    "ohjelma\x00x",
    "line\nbreak\r\nSubject: x",
    "x" * 10_000,
    "\u202eevil\u202c\u2066",
    "\u200b\ufeff",
    "²",
    str(2**64),
    "-1",
    "",
    "../../../etc/passwd",
)


def _files(tmp_path) -> dict[str, str]:
    """Hostile files by what they are: each a path (some do not exist, one is a directory)."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000, encoding="utf-8")
    deep_closed = tmp_path / "deep-closed.json"
    deep_closed.write_text("[" * 5_000 + "]" * 5_000, encoding="utf-8")
    document = {
        "format": "ideaspace.workspace",
        "version": 1,
        "workspace": {
            "slug": "uusi",
            "title": {"fi": "Otsikko\nSubject: injected\x00"},
            "status": "open",
            "opens_on": "0001-01-01",
            "closes_on": "9999-12-31",
            "min_group_size": 10**30,
            "created_at": "0001-01-01T00:00:00+01:00",
            "themes": [{"key": "t1", "title": {"fi": "Teema\r\nx"}, "position": 2**64}],
        },
    }
    files = {
        "missing": str(tmp_path / "no-such-file.json"),
        "directory": str(tmp_path),
        "NUL in the path": str(tmp_path / "a\x00b.json"),
        "deep JSON (200,000 levels)": str(deep),
        "deep JSON (5,000 levels, closed)": str(deep_closed),
    }
    for name, content in {
        "binary garbage": bytes(range(256)) * 40,
        "empty": b"",
        "UTF-8 BOM only": b"\xef\xbb\xbf",
        "UTF-16 LE with BOM": "\ufeffname;email\nMaija;maija@example.fi\n".encode("utf-16-le"),
        "UTF-16 BE with BOM": "\ufeffname;email\nMaija;maija@example.fi\n".encode("utf-16-be"),
        "UTF-32 with BOM": "\ufeffname;email\n".encode("utf-32"),
        "Latin-1": "nimi;sähköposti\nMäki;mäki@example.fi\n".encode("latin-1"),
        "double BOM": b"\xef\xbb\xbf\xef\xbb\xbf" + json.dumps({"format": 1}).encode(),
        "NUL in CSV cells": b"name;email;unit\nMaija\x00;maija\x00@example.fi;Yks\x00ikk\xc3\xb6\n",
        "newlines in CSV cells": b'name;email;unit\n"Maija\nMeik";maija@example.fi;"A\nB"\n',
        "bidi in CSV cells": "name;email\n\u202eMaija;maija@example.fi\n".encode(),
        "huge numbers and out-of-range dates, newline titles": json.dumps(document).encode(),
        "JSON with huge numbers": b'{"format": "ideaspace.workspace", "version": 1e400, "workspace": 1'
        + b"0" * 5000
        + b"}",
        "JSON that is a string": json.dumps("x" * 100_000).encode(),
    }.items():
        path = tmp_path / (name.replace(" ", "-").replace(",", "") + ".bin")
        path.write_bytes(content)
        files[name] = str(path)
    return files


def _is_file(param) -> bool:
    return isinstance(param.type, click.File | click.Path)


def _valid(param, world: dict, tmp_path):
    """A value the parameter accepts, to hold it steady while another is fuzzed; None: leave it out."""
    if isinstance(param.type, click.Choice):
        return param.type.choices[0]
    if param.is_flag if isinstance(param, click.Option) else False:
        return None
    if _is_file(param):
        return str(tmp_path / f"out-{param.name}.txt") if param.name in ("output",) else None
    known = {
        "slug": world["slug"],
        "email": world["email"],
        "emails": world["email"],
        "name": "Ada Admin",
        "password": "correct horse battery staple",
    }
    return known.get(param.name)


# A command that runs until it is stopped (the outbox worker) is fuzzed in its one-shot mode.
ONE_SHOT_FLAGS = ("once",)


def _args(command, values: dict) -> list[str]:
    args: list[str] = [
        param.opts[-1]
        for param in command.params
        if isinstance(param, click.Option) and param.is_flag and param.name in ONE_SHOT_FLAGS
    ]
    for param in command.params:
        if param.name not in values or values[param.name] is None:
            continue
        value = values[param.name]
        if isinstance(param, click.Argument):
            args.append(value)
        else:
            args += [param.opts[-1], value]
    return args


@pytest.fixture
def world(make):
    admin = make.user(Role.ADMIN, email="ada@example.fi")
    workspace = make.workspace(slug="ohjelma")
    return {"slug": workspace.slug, "email": admin.email}


def test_every_command_takes_hostile_arguments(app, session, world, tmp_path):
    files = _files(tmp_path)
    runner = app.test_cli_runner()
    failures: list[str] = []
    checked = 0
    for name, command in sorted(app.cli.commands.items()):
        steady = {p.name: _valid(p, world, tmp_path) for p in command.params}
        missing = [
            p.name
            for p in command.params
            if p.required and steady[p.name] is None and not _is_file(p) and not p.prompt
        ]
        assert not missing, f"`ideaspace {name}` needs {missing}: teach _valid in {__file__} a value"
        cases: list[tuple[str, list[str]]] = [
            ("an unexpected extra argument", [*_args(command, steady), NUL])
        ]
        for param in command.params:
            if isinstance(param, click.Option) and param.is_flag:
                continue
            hostile = files.items() if _is_file(param) else [(repr(v[:30]), v) for v in TEXT]
            for label, value in hostile:
                cases.append((f"{param.name}={label}", _args(command, {**steady, param.name: value})))
        for label, args in cases:
            if name in ("demo", "init-db") and label != "an unexpected extra argument":
                continue
            checked += 1
            result = runner.invoke(args=[name, *args], input="correct horse battery staple\n" * 2)
            problem = None
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                problem = f"raised {type(result.exception).__name__}: {str(result.exception)[:200]}"
            elif "Traceback" in result.output:
                problem = "printed a traceback"
            elif result.exit_code != 0 and not result.output.strip():
                problem = f"exited {result.exit_code} without saying why"
            if problem:
                failures.append(f"ideaspace {name} with {label}: {problem}")
            session.rollback()
    assert checked > 100
    assert not failures, "\n".join(failures)


def test_deep_json_is_refused_with_a_clear_message(app, session, tmp_path):
    """Finding: 200,000 nested brackets crashed `ideaspace import-workspace` with a RecursionError."""
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-workspace", str(path)])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "nests too deeply" in result.output and "Traceback" not in result.output


def test_invite_with_a_newline_in_the_workspace_title(app, make, session):
    """Finding: a title with a line break made `ideaspace invite` raise ValueError in the mail header."""
    workspace = make.workspace(title={"fi": "Henkilöstö\nohjelma"})
    person = make.user(Role.PARTICIPANT, name="Uusi\r\nIhminen")
    session.commit()
    result = app.test_cli_runner().invoke(args=["invite", workspace.slug, "--email", person.email])
    assert result.exit_code == 0, result.output
    assert "Invited 1; already invited 0" in result.output
    if "worker" in app.cli.commands:  # the mail is built and sent by the outbox worker
        sent = app.test_cli_runner().invoke(args=["worker", "--once"])
        assert sent.exit_code == 0 and "failed 0" in sent.output, sent.output
