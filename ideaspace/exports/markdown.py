"""The programme as Markdown: headings, pipe tables, quotes as blockquotes, percentages in the
document's language (34,29 % in Finnish and Swedish, 34.29% in English)."""

from __future__ import annotations

import re

from . import common
from .richtext import blocks

MIMETYPE = "text/markdown"
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")
_SPACES = re.compile(r"[ \t\r\n]+")  # a no-break space stays (34,29 %)


def escape(text) -> str:
    """Text that reads as itself in Markdown: no accidental emphasis, links, HTML or table cells."""
    flat = _SPACES.sub(" ", str(text if text is not None else "")).strip(" ")
    return _SPECIAL.sub(r"\\\1", flat)


def cell(text) -> str:
    return escape(text) or " "


def table(headers: list[str], rows: list[list], numeric: tuple[int, ...] = ()) -> list[str]:
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |"]
    lines.append("| " + " | ".join("---:" if i in numeric else "---" for i in range(len(headers))) + " |")
    lines.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return [*lines, ""]


def rich_text(html: str | None) -> list[str]:
    lines: list[str] = []
    for block in blocks(html):
        parts = []
        for run in block.runs:
            if run.text == "\n":
                parts.append("  \n")
                continue
            text = escape(run.text)
            if text and run.text[:1].isspace():
                text = " " + text
            if text and run.text[-1:].isspace():
                text += " "
            core = text.strip()
            if core and run.bold:
                text = text.replace(core, f"**{core}**", 1)
            if core and run.italic:
                text = text.replace(core, f"*{core}*", 1)
            if core and run.href:
                text = f"[{text.strip()}](<{run.href.replace('>', '%3E')}>)"
            parts.append(text)
        body = "".join(parts).strip()
        prefix = {"bullet": "- ", "number": f"{block.number}. ", "quote": "> "}.get(block.kind, "")
        lines.append(prefix + body)
        if block.kind in ("paragraph", "quote"):
            lines.append("")
    if lines and lines[-1] != "":
        lines.append("")
    return lines


def render(programme: dict) -> bytes:
    """The programme as Markdown (UTF-8 bytes)."""
    lang = programme["language"]
    t = common.labels(lang)
    ws = programme["workspace"]
    out = [f"# {escape(ws['title'])}", ""]
    if ws.get("strategy"):
        out += [escape(common.strategy_text(programme, lang)), ""]
    out += [f"*{escape(common.edition_text(programme, lang))}*", ""]
    out += rich_text(ws.get("introduction_html"))

    for index, theme in enumerate(programme["themes"], start=1):
        out += [f"## {escape(common.title_of(theme, index))}", ""]
        out += rich_text(theme.get("introduction_html"))
        if theme["measures"]:
            out += table(
                [t["goal"], t["measure"], t["schedule"], t["responsible"], t["evaluation"]],
                [
                    [m["goal"], m["text"], m["schedule"], m["responsible"], evaluation(m, t, lang)]
                    for m in theme["measures"]
                ],
            )
        for result in theme["results"]:
            out += result_lines(result, t, lang)
        for quote in theme["quotes"]:
            out += [f"> {escape(quote['text'])}", ">", f"> \u2014 {escape(quote['attribution'])}", ""]
        out += heard_lines(theme.get("heard"), t)

    part = programme["participation"]
    out += [f"## {escape(t['participation'])}", ""]
    period = common.period_text(part, lang)
    if period:
        out += [escape(period), ""]
    out += table(
        [t["stage"], t["people"], t["share_invited"]],
        [
            [t["invited"], part["invited"], "–"],
            [t["visited"], part["visited"], common.rate(part.get("visited_rate"), lang)],
            [t["contributed"], part["contributed"], common.rate(part.get("contributed_rate"), lang)],
        ],
        numeric=(1, 2),
    )
    if common.has_indicators(programme):
        out += follow_up_lines(programme, t, lang)
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")


def heard_lines(heard: dict | None, t: dict) -> list[str]:
    """A theme's "what we heard": the moderator's words, then its sources as numbered links."""
    if not heard:
        return []
    lines = [f"### {escape(t['heard'])}", "", *rich_text(heard.get("html"))]
    if heard.get("references"):
        lines += [escape(t["sources"]), ""]
        for number, ref in enumerate(heard["references"], start=1):
            lines.append(f"{number}. [{escape(ref['text'])}](<{ref['url'].replace('>', '%3E')}>)")
        lines.append("")
    return lines


def evaluation(measure: dict, t: dict, lang: str) -> str:
    """The indicators in one table cell, separated by semicolons."""
    parts = []
    for ind in measure["indicators"]:
        bits = [ind["description"]]
        baseline = common.indicator_baseline(ind, lang)
        if baseline:
            bits.append(f"{t['baseline']}: {baseline}")
        target = common.indicator_target(ind, lang)
        if target:
            bits.append(f"{t['target']}: {target}")
        if ind["readings"]:
            readings = ", ".join(common.reading_text(r, ind, lang) for r in ind["readings"])
            bits.append(f"{t['follow_up']}: {readings}")
        if ind["follow_up"] != "no_data":
            bits.append(common.localized_label(ind["follow_up"], lang))
        parts.append(". ".join(bits))
    return "; ".join(parts)


def result_lines(result: dict, t: dict, lang: str) -> list[str]:
    lines = [f"### {escape(result['title'])}", ""]
    if result.get("question") and result["question"] != result["title"]:
        lines += [escape(result["question"]), ""]
    if result["kind"] == "scale":
        lines += [escape(common.enps_text(result, lang)), ""]
        return lines + table(
            [t["answer"], t["answers"]],
            [[row["value"], row["count"]] for row in result["distribution"]],
            numeric=(0, 1),
        )
    multiple = result["basis"] == "respondents"
    lines += table(
        [
            t["option"],
            t["chosen_by"] if multiple else t["answers"],
            t["share_respondents"] if multiple else t["share_answers"],
        ],
        [[o["label"], o["votes"], common.percent(o["percent"], lang)] for o in result["options"]],
        numeric=(1, 2),
    )
    note = t["note_respondents"] if multiple else t["note_answers"]
    if result.get("anonymous"):
        note = f"{note} {t['anonymous']}"
    return [*lines, escape(note), ""]


def follow_up_lines(programme: dict, t: dict, lang: str) -> list[str]:
    years = common.reading_years(programme)
    lines = [f"## {escape(t['follow_up_appendix'])}", ""]
    for index, theme in enumerate(programme["themes"], start=1):
        rows = []
        for m in theme["measures"]:
            for ind in m["indicators"]:
                by_year = {r["year"]: common.number(r["value"], lang) for r in ind["readings"]}
                rows.append(
                    [
                        m["text"],
                        ind["description"],
                        common.indicator_baseline(ind, lang),
                        *(by_year.get(y, "") for y in years),
                        common.indicator_target(ind, lang),
                        common.localized_label(ind["follow_up"], lang),
                    ]
                )
        if rows:
            lines += [f"### {escape(common.title_of(theme, index))}", ""]
            lines += table(
                [t["measure"], t["indicator"], t["baseline"], *map(str, years), t["target"], t["status"]],
                rows,
                numeric=tuple(range(3, 3 + len(years))),
            )
    return lines
