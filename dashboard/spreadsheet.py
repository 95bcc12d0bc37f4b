"""Cells for files people open in a spreadsheet: text that starts like a formula is kept as text.

Excel, LibreOffice and Google Sheets run a cell starting with = + - @ (or a tab or carriage return
before one) as a formula, so a customer named `=HYPERLINK(...)` would run in a finance person's
spreadsheet. Such text gets a leading single quote (OWASP's advice), which the spreadsheet shows as
text. Amounts are written by the export itself, never from user text, and stay plain numbers so a
negative total still sums.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
