"""Dossier codes: <unit>-YYMMDD-XXXX, a sequence per day, unique under concurrency."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from backend.dossiers.codes import CODE_PATTERN, format_code, next_code
from backend.lib.db import write_transaction


def test_format() -> None:
    code = format_code("000.00.20.H42", date(2026, 11, 29), 7)
    assert code == "000.00.20.H42-261129-0007"
    assert CODE_PATTERN.match(code)


@pytest.mark.parametrize("bad", ["000.00.20.H42-2611290-0001", "H42-261129-01", "x"])
def test_pattern_rejects(bad: str) -> None:
    assert CODE_PATTERN.match(bad) is None


async def test_sequence_is_per_day_and_unit() -> None:
    async def one(unit: str, day: date) -> str:
        async with write_transaction():
            return await next_code(unit, day)

    a1 = await one("TEST.SEQ", date(2030, 1, 2))
    a2 = await one("TEST.SEQ", date(2030, 1, 2))
    b1 = await one("TEST.SEQ", date(2030, 1, 3))
    c1 = await one("OTHER.SEQ", date(2030, 1, 2))
    assert (a1, a2) == ("TEST.SEQ-300102-0001", "TEST.SEQ-300102-0002")
    assert b1 == "TEST.SEQ-300103-0001"
    assert c1 == "OTHER.SEQ-300102-0001"


async def test_fifty_concurrent_codes_are_unique_and_consecutive() -> None:
    async def one() -> str:
        async with write_transaction():
            return await next_code("TEST.CONC", date(2030, 5, 6))

    codes = await asyncio.gather(*(one() for _ in range(50)))
    assert len(set(codes)) == 50
    assert sorted(int(c[-4:]) for c in codes) == list(range(1, 51))
