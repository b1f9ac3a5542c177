"""What every export format shares: numbers, percentages and dates in the document's language,
the translated labels, and the walk over the programme dict (the exports never query)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from flask import has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _

from ..labels import label
from ..numbers import day, number, percent  # noqa: F401 (day: the exports' common.day)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def rate(value: str | None, language: str) -> str:
    """A participation rate ("51.5") with one decimal: 51,5 % in fi and sv, 51.5% in en."""
    return percent(value, language, 1)


def decimal(value) -> Decimal | None:
    """A dict decimal as a Decimal, for spreadsheets and comparisons."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def signed(value: int | None) -> str:
    """An eNPS with its sign: +12, 0, −5."""
    if value is None:
        return "–"
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"\u2212{-value}"
    return "0"


def period(participation: dict, language: str) -> str:
    start, end = day(participation.get("opens_on"), language), day(participation.get("closes_on"), language)
    return f"{start} – {end}" if start or end else ""


def safe_cell(value):
    """Text that people typed never becomes a spreadsheet formula (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def indicator_target(ind: dict, language: str) -> str:
    """The target as words and numbers: "> 20 kpl", or the qualitative target text."""
    unit = f" {ind['unit_of_measure']}" if ind.get("unit_of_measure") else ""
    if ind["comparator"] == "qualitative" or ind.get("target_value") is None:
        return ind.get("target_text") or ""
    text = f"{ind['comparator']}\u00a0{number(ind['target_value'], language)}{unit}"
    return f"{text} {ind['target_text']}" if ind.get("target_text") else text


def indicator_baseline(ind: dict, language: str) -> str:
    """The baseline with its year and source: "11 kpl (2022, Rekrytointijärjestelmä)"."""
    unit = f" {ind['unit_of_measure']}" if ind.get("unit_of_measure") else ""
    details = ", ".join(str(x) for x in (ind.get("baseline_year"), ind.get("baseline_source")) if x)
    if ind.get("baseline_value") is None:
        return details
    text = f"{number(ind['baseline_value'], language)}{unit}"
    return f"{text} ({details})" if details else text


def reading_text(reading: dict, ind: dict, language: str) -> str:
    unit = f" {ind['unit_of_measure']}" if ind.get("unit_of_measure") and reading["value"] is not None else ""
    text = f"{reading['year']}: {number(reading['value'], language)}{unit}"
    return f"{text} ({reading['note']})" if reading.get("note") else text


def reading_years(programme: dict) -> list[int]:
    """Every year that has a reading, in order: the follow-up columns."""
    return sorted(
        {
            r["year"]
            for t in programme["themes"]
            for m in t["measures"]
            for i in m["indicators"]
            for r in i["readings"]
        }
    )


def has_indicators(programme: dict) -> bool:
    return any(m["indicators"] for t in programme["themes"] for m in t["measures"])


def title_of(theme: dict, index: int) -> str:
    return f"{index}. {theme['title']}"


def labels(language: str) -> dict[str, str]:
    """Every fixed text of the documents, translated into the document's language."""
    with force_locale(language):
        texts = {
            "goal": _("Goal"),
            "measure": _("Measure"),
            "schedule": _("Schedule"),
            "responsible": _("Responsible"),
            "evaluation": _("Evaluation"),
            "status": _("Status"),
            "baseline": _("Baseline"),
            "target": _("Target"),
            "follow_up": _("Follow-up"),
            "measures": _("Measures"),
            "option": _("Option"),
            "answers": _("Answers"),
            "answer": _("Answer"),
            "chosen_by": _("Chosen by"),
            "share_answers": _("Share of answers"),
            "share_respondents": _("Share of respondents"),
            "note_answers": _(
                "Percent of answers. Each share is rounded on its own, so together they may differ "
                "slightly from 100 %%."
            ),
            "note_respondents": _(
                "Percent of respondents; one person could choose several, so the shares can add up to "
                "more than 100 %%."
            ),
            "anonymous": _("The answers were anonymous."),
            "distribution": _("Distribution of the answers"),
            "participation": _("Participation"),
            "stage": _("Stage"),
            "people": _("People"),
            "share_invited": _("Share of invited"),
            "invited": _("Invited"),
            "visited": _("Visited"),
            "contributed": _("Contributed"),
            "period": _("Period"),
            "draft": _("Draft: not published"),
            "indicator": _("Indicator"),
            "unit_of_measure": _("Unit of measure"),
            "baseline_year": _("Baseline year"),
            "baseline_value": _("Baseline value"),
            "source": _("Source"),
            "comparator": _("Comparator"),
            "theme": _("Theme"),
            "activity": _("Activity"),
            "kind": _("Kind"),
            "votes": _("Votes"),
            "respondents": _("Respondents"),
            "percent": _("Percent"),
            "basis": _("Basis"),
            "quotes": _("Quotes"),
            "heard": _("What we heard"),
            "sources": _("Sources:"),
            "results": _("Results"),
            "indicators": _("Indicators"),
            "value": _("Value"),
            "follow_up_appendix": _("Appendix: follow-up of the indicators"),
        }
    # The msgids are the document template's, where "%%" is a literal "%" (Jinja formats them).
    return {key: value.replace("%%", "%") for key, value in texts.items()}


def localized_label(value: str, language: str) -> str:
    """An enum value's label (follow-up status, comparator, kind) in the document's language."""
    if not has_app_context():  # no catalogues to switch to: not worth remembering
        return str(label(value))
    return _localized_label(value, language)


@lru_cache(maxsize=256)
def _localized_label(value: str, language: str) -> str:
    # Remembered: force_locale reloads the catalogue, for each of hundreds of table cells.
    with force_locale(language):
        return str(label(value))


def edition_text(programme: dict, language: str) -> str:
    edition = programme["edition"]
    with force_locale(language):
        if edition.get("number"):
            text = _(
                "Version %(number)d, published %(date)s",
                number=edition["number"],
                date=day(edition.get("published_at"), language),
            )
            return f"{text}. {edition['note']}" if edition.get("note") else text
        return _("Draft: not published")


def strategy_text(programme: dict, language: str) -> str:
    strategy = programme["workspace"].get("strategy")
    if not strategy:
        return ""
    with force_locale(language):
        return _("Based on the strategy: %(strategy)s", strategy=strategy)


def enps_text(result: dict, language: str) -> str:
    with force_locale(language):
        answers = _("%(num)d answers", num=result["answers"])
    return f"eNPS {signed(result['enps'])} ({answers})"


def period_text(participation: dict, language: str) -> str:
    """The drafting period as a whole sentence from the dates there are ("" without either)."""
    start, end = day(participation.get("opens_on"), language), day(participation.get("closes_on"), language)
    with force_locale(language):
        if start and end:
            return _("The workspace was open %(start)s – %(end)s.", start=start, end=end)
        if start:
            return _("The workspace opened on %(start)s.", start=start)
        if end:
            return _("The workspace closed on %(end)s.", end=end)
    return ""


def result_rows(programme: dict) -> list[dict]:
    """Every chosen result as flat rows (CSV and XLSX): one per option; for a scale, one per value
    0–10 (its share of the answers) and an "eNPS" row whose percent is the score itself
    (% promoters − % detractors, in percentage points)."""
    from ..polls.results import percentage

    rows = []
    for theme in programme["themes"]:
        for result in theme["results"]:
            base = {
                "theme": theme["title"],
                "activity": result["title"],
                "kind": result["kind"],
                "respondents": result["respondents"],
                "basis": result["basis"],
                "anonymous": result["anonymous"],
            }
            if result["kind"] == "scale":
                for row in result["distribution"]:
                    rows.append(
                        {
                            **base,
                            "option": str(row["value"]),
                            "votes": row["count"],
                            "percent": percentage(row["count"], result["answers"]),
                        }
                    )
                enps = result.get("enps")
                rows.append(
                    {
                        **base,
                        "option": "eNPS",
                        "votes": None,
                        "percent": Decimal(enps) if enps is not None else None,
                        "basis": "enps",
                    }
                )
                continue
            for option in result["options"]:
                rows.append(
                    {
                        **base,
                        "option": option["label"],
                        "votes": option["votes"],
                        "percent": decimal(option["percent"]),
                    }
                )
    return rows
