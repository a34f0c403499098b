"""What goes into a file meant for a spreadsheet."""

from __future__ import annotations

# A cell starting with one of these is run as a formula by Excel and LibreOffice (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(text: str) -> str:
    """A cell a spreadsheet shows as text: what a person typed ("=HYPERLINK(...)" as a name)
    must not run as a formula when an officer opens the export."""
    return "'" + text if text[:1] in _FORMULA_STARTS else text
