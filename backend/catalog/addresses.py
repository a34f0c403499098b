"""Vietnam's administrative units since 1 July 2025: 34 provinces and the 3,321 communes,
wards and special zones directly under them (no districts any more).

The official list is `data/wards.csv` (province_code, province, ward_code, ward). It is read
once per process; every lookup after that is in memory (about 3,300 small objects).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from backend.lib.text import fold, search_terms

# What a province's or a ward's name starts with, before the name itself.
PROVINCE_TYPES = ("Thành phố ", "Tỉnh ")
WARD_TYPES = ("Phường ", "Xã ", "Đặc khu ")
# Names people write for a province that are neither its short nor its full name (folded).
_PROVINCE_ALIASES = {"hcm": "79", "tp hcm": "79", "tphcm": "79", "sai gon": "79"}


@dataclass(frozen=True)
class Province:
    code: str  # "37"
    name: str  # "Tỉnh Ninh Bình"
    short: str  # "Ninh Bình": what people write on an envelope


@dataclass(frozen=True)
class Ward:
    code: str  # "13285"
    name: str  # "Phường Phủ Lý"
    province_code: str  # "37"

    @property
    def bare(self) -> str:
        """The name without its type: "Phủ Lý"."""
        return _without_type(self.name, WARD_TYPES)


def _without_type(name: str, types: tuple[str, ...]) -> str:
    for prefix in types:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@dataclass(frozen=True)
class _Entry:
    """A ward with its name folded once, for searching."""

    ward: Ward
    folded: str  # "phuong phu ly"
    bare: str  # "phu ly"
    words: tuple[str, ...]  # ("phu", "ly")
    type_words: tuple[str, ...]  # ("phuong",)
    compact: str  # "phuly": for people who type without spaces


@dataclass(frozen=True)
class _Data:
    provinces: dict[str, Province]  # by code
    by_name: dict[str, str]  # folded short/full name or alias -> code
    wards: dict[str, Ward]  # by code
    entries: dict[str, tuple[_Entry, ...]]  # by province code, alphabetical


def _sort_key(entry: _Entry) -> tuple[str, str]:
    return (entry.bare, entry.folded)


@cache
def _data() -> _Data:
    text = resources.files("backend.catalog").joinpath("data/wards.csv").read_text("utf-8")
    provinces: dict[str, Province] = {}
    wards: dict[str, Ward] = {}
    entries: dict[str, list[_Entry]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        code = row["province_code"].strip()
        if code not in provinces:
            name = row["province"].strip()
            provinces[code] = Province(code, name, _without_type(name, PROVINCE_TYPES))
        ward = Ward(row["ward_code"].strip(), row["ward"].strip(), code)
        wards[ward.code] = ward
        bare = fold(ward.bare)
        folded = fold(ward.name)
        words = tuple(bare.split())
        type_words = tuple(folded.split()[: -len(words)] if words else ())
        entries.setdefault(code, []).append(
            _Entry(ward, folded, bare, words, type_words, bare.replace(" ", ""))
        )
    by_name = {fold(p.short): p.code for p in provinces.values()}
    by_name.update({fold(p.name): p.code for p in provinces.values()})
    by_name.update(_PROVINCE_ALIASES)
    return _Data(
        provinces=provinces,
        by_name=by_name,
        wards=wards,
        entries={code: tuple(sorted(es, key=_sort_key)) for code, es in entries.items()},
    )


def provinces() -> list[Province]:
    """The 34 provinces and centrally-run cities, in alphabetical order of their short names
    without diacritics ("Đà Nẵng" among the D's)."""
    return list(_ordered_provinces())


@cache
def _ordered_provinces() -> tuple[Province, ...]:
    return tuple(sorted(_data().provinces.values(), key=lambda p: (fold(p.short), p.short)))


def province(code: str) -> Province | None:
    """By its two-digit code ("37"; "1" is read as "01")."""
    code = code.strip()
    if code.isdigit() and len(code) < 2:
        code = code.zfill(2)
    return _data().provinces.get(code)


def province_by_name(text: str) -> Province | None:
    """By its short or full name, written with or without diacritics, in any case:
    "Ninh Bình", "ninh binh", "Tỉnh Ninh Bình", "TP. Hồ Chí Minh" all work."""
    key = fold(text).replace(".", " ")
    key = " ".join(key.split())
    data = _data()
    code = data.by_name.get(key)
    if code is None:
        for prefix in ("tp ", "t p "):
            if key.startswith(prefix):
                code = data.by_name.get(key[len(prefix) :])
    return data.provinces.get(code) if code else None


def find_province(text: str) -> Province | None:
    """A province given either way a form or a client sends it: its code or its name."""
    text = text.strip()
    return province(text) if text.isdigit() else province_by_name(text)


def ward(code: str) -> Ward | None:
    return _data().wards.get(code.strip())


def wards_of(province_code: str) -> list[Ward]:
    """Every commune, ward and special zone of a province, alphabetically (by name without
    its type, so that "Xã An Bình" comes before "Phường Bắc Sơn")."""
    return [e.ward for e in _data().entries.get(province_code, ())]


def _each_begins_a_word(terms: list[str], words: tuple[str, ...]) -> bool:
    """Whether each term begins a different word ("ha ha" does not find "Hà Nam")."""
    if not terms:
        return True
    first, rest = terms[0], terms[1:]
    for i, word in enumerate(words):
        if word.startswith(first) and _each_begins_a_word(rest, words[:i] + words[i + 1 :]):
            return True
    return False


def search_wards(province_code: str, query: str, limit: int = 30) -> list[Ward]:
    """The wards of a province whose name matches what was typed, best first.

    Diacritics and case do not matter ("phu ly" finds "Phường Phủ Lý"); every word typed must
    begin a word of the name ("hoa lu" finds "Phường Hoa Lư" and "Phường Nam Hoa Lư"), and the
    type may be typed or not ("phuong phu ly", "phu ly"). Names that begin with what was typed
    come first, then the others, each group alphabetically. Words typed without spaces
    ("phuly") still find the name. An empty query lists the first `limit` wards.
    """
    entries = _data().entries.get(province_code, ())
    terms = [t for t in (t.strip(".") for t in search_terms(query)) if t]
    if not terms:
        return [e.ward for e in entries[:limit]]
    typed = " ".join(terms)
    compact = typed.replace(" ", "")
    ranked: list[tuple[int, _Entry]] = []
    for e in entries:
        if e.bare == typed or e.folded == typed:
            rank = 0
        elif e.bare.startswith(typed) or e.folded.startswith(typed):
            rank = 1
        elif _each_begins_a_word(terms, e.words):
            rank = 2
        elif _each_begins_a_word(terms, e.type_words + e.words):
            rank = 3  # "phuong phu": the type helps, but names matching without it go first
        elif len(compact) >= 3 and e.compact.startswith(compact):
            rank = 4
        else:
            continue
        ranked.append((rank, e))
    ranked.sort(key=lambda r: (r[0], _sort_key(r[1])))
    return [e.ward for _, e in ranked[:limit]]


@dataclass(frozen=True)
class Choices:
    """What an address form offers: every province, the chosen one, and its wards."""

    provinces: list[Province]
    province: Province | None
    wards: list[Ward]


def choices(province_text: str) -> Choices:
    """For the address form (postal/_address_fields.html): the wards of the chosen province
    are listed in full only for browsers without JavaScript, which cannot search."""
    chosen = find_province(province_text) if province_text else None
    return Choices(provinces(), chosen, wards_of(chosen.code) if chosen else [])
