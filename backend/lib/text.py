"""Vietnamese text helpers."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, without diacritics, spaces collapsed: "Đăng ký  Khai sinh" -> "dang ky khai sinh".

    "đ" is a letter of its own in Unicode (it does not decompose), so it is mapped by hand.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def search_terms(query: str) -> list[str]:
    """The words of a search, folded; punctuation is dropped so that "khai-sinh" still matches."""
    words = re.split(r"[^0-9a-z.]+", fold(query))
    return [w for w in words if w][:8]
