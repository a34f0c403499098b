"""Vietnamese number formats (issue 12, item 20): 64,6%, not 64.6% or 0.0%."""

from __future__ import annotations

import pytest

from backend.lib.formatting import format_decimal, format_percent
from backend.lib.i18n import current_language


@pytest.mark.parametrize(
    ("lang", "share", "shown"),
    [
        ("vi", 0.646, "64,6%"),
        ("vi", 1.0, "100,0%"),
        ("vi", 0.0, "0,0%"),
        ("en", 0.646, "64.6%"),
        ("vi", None, ""),
    ],
)
def test_percent(lang: str, share: float | None, shown: str) -> None:
    token = current_language.set(lang)
    try:
        assert format_percent(share) == shown
    finally:
        current_language.reset(token)


def test_thousands_and_decimals_in_vietnamese() -> None:
    token = current_language.set("vi")
    try:
        assert format_decimal(12345.678, 2) == "12.345,68"
        assert format_decimal(4.25) == "4,2" or format_decimal(4.25) == "4,3"
    finally:
        current_language.reset(token)
    token = current_language.set("en")
    try:
        assert format_decimal(12345.678, 2) == "12,345.68"
    finally:
        current_language.reset(token)
