"""Taking personal data out of a complaint and its answer before they are published.

The public page must not expose the filer or the official complained about (Decree 13/2023 on
personal data): names, phone numbers, ID card numbers and e-mail addresses become "[đã ẩn]".
Names are found two ways: the names the complaint itself records (filer, official), matched
regardless of case and diacritics since people often type without them; and any capitalised
words after a form of address or a title ("ông", "chị", "cán bộ"...), which is how Vietnamese
writes about a person. Over-hiding (a place called "Bà Rịa" after "tỉnh") is the safe side.

Pure functions: no database, so the rules are tested on their own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

PLACEHOLDER = "[đã ẩn]"

_SEP = r"[ \u00a0.\-]"
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# 0xxxxxxxxx (mobile), 02xxxxxxxxx (landline), or the same after +84 / 84 / (+84), with
# spaces, dots or hyphens anywhere between the digits.
_PHONE = re.compile(
    rf"(?<![\w+])(?:\(\+84\){_SEP}?|\+84{_SEP}?|84{_SEP}?|0)\d(?:{_SEP}?\d){{8,9}}(?!\w)"
)
# An ID number after the words that introduce one, in any grouping (CMND: 9 digits, CCCD /
# số định danh cá nhân: 12).
_ID_AFTER_WORD = re.compile(
    r"(?i:\b(?:cccd|cmnd|căn cước(?: công dân)?|chứng minh(?: nhân dân| thư)?|"
    r"định danh(?: cá nhân)?|hộ chiếu))"
    rf"(?P<gap>[^\d\n]{{0,20}})(?P<number>\d(?:{_SEP}?\d){{8,11}})(?!\w)"
)
# Standing alone: 9 or 12 digits in one run, or grouped by spaces (001 099 012 345). Dotted
# groups are left alone here: "150.000.000" is an amount of money far more often.
_ID_ALONE = re.compile(
    r"(?<![\w.,])(?:\d{12}|\d{9}|\d{3}[ \u00a0]\d{3}[ \u00a0]\d{3}(?:[ \u00a0]\d{3})?"
    r"|\d{4}[ \u00a0]\d{4}[ \u00a0]\d{4})(?![\w]|[.,]\d)"
)

# Forms of address and titles after which a capitalised word is a person's name.
TITLES = (
    "ông",
    "bà",
    "anh",
    "chị",
    "cô",
    "chú",
    "bác",
    "em",
    "cán bộ",
    "công chức",
    "chuyên viên",
    "đồng chí",
)
_UPPER = "".join(
    ch
    for ch in map(chr, [*range(0x41, 0x250), *range(0x1E00, 0x1F00)])
    if ch.isupper() and ch.isalpha()
)
_NAME_WORD = rf"[{_UPPER}][^\W\d_]*"
_TITLED_NAME = re.compile(
    r"(?<![^\W\d_])(?P<title>(?i:" + "|".join(t.replace(" ", r"\s+") for t in TITLES) + r"))"
    rf"(?P<space>[ \u00a0]+)(?P<name>{_NAME_WORD}(?:[ \u00a0]+{_NAME_WORD}){{0,4}})"
)


def redact(text: str, names: Iterable[str] = (), public: Iterable[str] = ()) -> str:
    """`text` with names, phone numbers, ID numbers and e-mail addresses replaced, except the
    `public` ones (the center's own hotline and address, which answers point people to)."""
    text = unicodedata.normalize("NFC", text or "")
    kept_numbers = {_digits(p) for p in public if _digits(p)}
    kept_emails = {p.strip().lower() for p in public if "@" in p}

    def email(m: re.Match[str]) -> str:
        return m.group(0) if m.group(0).lower() in kept_emails else PLACEHOLDER

    def phone(m: re.Match[str]) -> str:
        return m.group(0) if _digits(m.group(0)) in kept_numbers else PLACEHOLDER

    text = _EMAIL.sub(email, text)
    text = _PHONE.sub(phone, text)
    text = _ID_AFTER_WORD.sub(lambda m: _keep_before(m, "number"), text)
    text = _ID_ALONE.sub(PLACEHOLDER, text)
    for name in _name_forms(names):
        text = _hide_name(text, name)
    return _TITLED_NAME.sub(lambda m: m["title"] + m["space"] + PLACEHOLDER, text)


def _digits(text: str) -> str:
    """A phone number as its national digits: "+84 229 3 871 234" -> "02293871234"."""
    digits = re.sub(r"\D", "", text or "")
    return "0" + digits[2:] if digits.startswith("84") and len(digits) >= 11 else digits


def person_name(full_name: str) -> str:
    """A staff account's name without what follows it in brackets: "Lê Minh Tuấn (Sở Tư
    pháp)" -> "Lê Minh Tuấn"."""
    return re.sub(r"\s*\(.*?\)\s*", " ", full_name or "").strip()


def _keep_before(match: re.Match[str], group: str) -> str:
    start = match.start(group) - match.start()
    return match.group(0)[:start] + PLACEHOLDER


def _name_forms(names: Iterable[str]) -> list[str]:
    """Each name, and for a three-word name or longer, also without the family name ("Văn
    An" for "Nguyễn Văn An"): longest first, so the full name is hidden in one piece."""
    forms: set[str] = set()
    for name in names:
        words = person_name(name).split()
        if len(words) >= 2 or (words and len(words[0]) >= 3):
            forms.add(" ".join(words))
        if len(words) >= 3:
            forms.add(" ".join(words[1:]))
    return sorted(forms, key=len, reverse=True)


def _fold_char(ch: str) -> str:
    """One character lower-cased without its diacritics; always exactly one character, so
    that positions in the folded text are positions in the original."""
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    base = base.replace("đ", "d").replace("Đ", "D").lower()
    return base if len(base) == 1 else ch


def _fold(text: str) -> str:
    return "".join(map(_fold_char, text))


def _hide_name(text: str, name: str) -> str:
    words = [re.escape(w) for w in _fold(name).split()]
    pattern = re.compile(r"(?<![^\W\d_])" + r"\s+".join(words) + r"(?![^\W\d_])")
    spans = [m.span() for m in pattern.finditer(_fold(text))]
    for start, end in reversed(spans):
        text = text[:start] + PLACEHOLDER + text[end:]
    return text
