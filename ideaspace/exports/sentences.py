"""The Word and PDF documents' own texts in the document's language, and the sentences built from
the figures there are (a missing date or figure leaves its sentence out, never a fragment)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from . import common
from .common import rate


@lru_cache(maxsize=8)
def texts(language: str) -> dict[str, str]:
    """The fixed texts of the Word document and the PDF's cover, translated."""
    with force_locale(language):
        return {
            "contents": _("Contents"),
            "introduction": _("Introduction"),
            "update_contents": _(
                "The table of contents is built when the document is opened in Word (answer Yes "
                "when it asks to update the fields), or right-click here and choose Update Field. "
                "In LibreOffice: Tools → Update → Update All."
            ),
            "no_answers": _("No answers yet."),
            "chart_alt": _("Bar chart of the results in the table above, each bar with its numbers."),
            "funnel_alt": _("Bar chart of the participation: invited, visited and contributed."),
        }


def printed_on(day: str, language: str) -> str:
    """The cover's date of a draft: the day it was printed."""
    with force_locale(language):
        return _("Printed %(date)s", date=day)


def funnel_sentences(part: dict, language: str) -> list[str]:
    """One whole sentence per figure there is: never "Invited 163 –" when one is missing."""
    out = []
    invited = part.get("invited") or 0
    with force_locale(language):
        if invited:
            out.append(
                ngettext(
                    "%(num)d person was invited to the workspace.",
                    "%(num)d people were invited to the workspace.",
                    invited,
                )
            )
        for key in ("visited", "contributed"):
            count, share = part.get(key), part.get(f"{key}_rate")
            if count is None:
                continue
            with_rate = share is not None and invited
            if key == "visited" and with_rate:
                text = ngettext(
                    "%(num)d person visited the workspace (%(rate)s of those invited).",
                    "%(num)d people visited the workspace (%(rate)s of those invited).",
                    count,
                    rate=rate(share, language),
                )
            elif key == "visited":
                text = ngettext(
                    "%(num)d person visited the workspace.", "%(num)d people visited the workspace.", count
                )
            elif with_rate:
                text = ngettext(
                    "%(num)d person contributed (%(rate)s of those invited).",
                    "%(num)d people contributed (%(rate)s of those invited).",
                    count,
                    rate=rate(share, language),
                )
            else:
                text = ngettext("%(num)d person contributed.", "%(num)d people contributed.", count)
            out.append(text)
    return out


def cover_lines(programme: dict, language: str, today: date) -> list[str]:
    """The cover's lines under the title and organisation, each a whole sentence or left out:
    the strategy, the drafting period, the version (with its date), and a draft's printing day."""
    lines = [
        common.strategy_text(programme, language),
        common.period_text(programme["participation"], language),
    ]
    lines.append(common.edition_text(programme, language))
    if not programme["edition"].get("number"):
        lines.append(printed_on(common.day(today.isoformat(), language), language))
    return [line for line in lines if line]
