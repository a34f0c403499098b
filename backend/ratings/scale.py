"""The satisfaction scale (5 or 3 levels, DOMAIN.md) and the optional criteria.

Levels count from 1 (worst) up to the scale's size (best), so that votes on both scales can be
read together: "satisfied" is the top two levels of either.
"""

from __future__ import annotations

from typing import Any

from backend.lib.clock import utcnow
from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import N_
from backend.lib.prepared import prepared
from backend.ratings.tables import RatingScale

LEVELS: dict[int, dict[int, str]] = {
    5: {
        5: N_("Rất hài lòng"),
        4: N_("Hài lòng"),
        3: N_("Bình thường"),
        2: N_("Không hài lòng"),
        1: N_("Rất không hài lòng"),
    },
    3: {3: N_("Rất hài lòng"), 2: N_("Hài lòng"), 1: N_("Không hài lòng")},
}

# criterion: (question, good answer, bad answer)
CRITERIA: dict[str, tuple[str, str, str]] = {
    "timeliness": (N_("Thời gian giải quyết"), N_("Đúng hẹn"), N_("Trễ hẹn")),
    "attitude": (
        N_("Thái độ của cán bộ"),
        N_("Tận tình, lịch sự"),
        N_("Nhũng nhiễu, gây phiền hà"),
    ),
    "guidance": (N_("Hướng dẫn thủ tục"), N_("Rõ ràng, dễ hiểu"), N_("Khó hiểu, thiếu")),
    "trips": (N_("Số lần phải đi lại"), N_("Không phải đi lại nhiều"), N_("Phải đi lại nhiều lần")),
    "fees": (N_("Phí, lệ phí"), N_("Đúng mức niêm yết"), N_("Thu ngoài quy định")),
}


def parse_level(level: Any, scale: int) -> int:
    """A tapped level from a form or JSON, checked against the scale."""
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if value not in LEVELS[scale]:
        raise FormErrors([UserError(N_("Chọn một mức đánh giá."), field="level")])
    return value


def satisfied(level: int, scale: int) -> bool:
    return level >= scale - 1


def is_low(level: int, scale: int) -> bool:
    """Low enough to offer a complaint: the bottom two levels of 5, the bottom one of 3."""
    return level <= (2 if scale == 5 else 1)


def face(level: int, scale: int) -> float:
    """How much the face smiles, from -1 (worst) to 1 (best), for the drawn faces."""
    return -1 + 2 * (level - 1) / (scale - 1)


_CURRENT = prepared(lambda: RatingScale.select(RatingScale.levels).first())


async def current() -> int:
    row = await _CURRENT()
    return int(row["levels"]) if row else 5


async def choose(levels: int) -> None:
    """An administrator's choice; votes already cast keep their own scale."""
    if levels not in LEVELS:
        raise ValueError(levels)
    updated = await RatingScale.update(
        {RatingScale.levels: levels, RatingScale.updated_at: utcnow()}, force=True
    ).returning(RatingScale.id)
    if not updated:
        await RatingScale.insert(RatingScale(levels=levels, updated_at=utcnow()))
