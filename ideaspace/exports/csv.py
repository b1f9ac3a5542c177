"""The activity results as CSV: theme, activity, option, votes, respondents, percent.

For other tools: UTF-8, comma-separated, a header row, plain decimals with a dot and two decimals
(34.29), whatever the document's language. A scale activity has a row per value 0–10 and an "eNPS"
row whose percent column holds the score (percentage points, e.g. 12.00). Cells that people typed
never start a spreadsheet formula: a leading = + - @ gets an apostrophe.
"""

from __future__ import annotations

import csv
import io

from . import common

HEADER = ("theme", "activity", "option", "votes", "respondents", "percent")
MIMETYPE = "text/csv"


def render(programme: dict) -> bytes:
    """The results as CSV bytes (UTF-8, no byte-order mark)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in common.result_rows(programme):
        writer.writerow(
            [
                common.safe_cell(row["theme"]),
                common.safe_cell(row["activity"]),
                common.safe_cell(row["option"]),
                "" if row["votes"] is None else row["votes"],
                row["respondents"],
                "" if row["percent"] is None else f"{row['percent']:.2f}",
            ]
        )
    return out.getvalue().encode("utf-8")
