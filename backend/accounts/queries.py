"""What the staff administration pages show: staff accounts and the places they can be given."""

from __future__ import annotations

from typing import Any

from piccolo.columns import Varchar
from piccolo.columns.combination import Where

from backend.access.roles import Role
from backend.accounts.schemas import STAFF_ROLES
from backend.accounts.tables import User
from backend.catalog.tables import Agency, Counter, PostOffice
from backend.lib.errors import NotFound
from backend.lib.i18n import N_
from backend.lib.pagination import PAGE_SIZE, Page
from backend.lib.text import fold

_STAFF_COLUMNS = (
    User.id,
    User.login,
    User.full_name,
    User.role,
    User.active,
    User.agency,
    User.counter,
    User.post_office,
    User.created_at,
    User.agency.name.as_alias("agency_name"),
    User.counter.number.as_alias("counter_number"),
    User.counter.name.as_alias("counter_name"),
    User.post_office.name.as_alias("post_office_name"),
)


def contains(column: Varchar, word: str) -> Where:
    """Case-insensitive on both engines (SQLite's LIKE already is, for ASCII letters)."""
    pattern = f"%{word}%"
    if column._meta.engine_type == "sqlite":
        return column.like(pattern)
    return column.ilike(pattern)


async def staff_page(
    search: str, role: str, number: int, query: dict[str, str], size: int = PAGE_SIZE
) -> Page[dict[str, Any]]:
    """Staff accounts matching every word of `search` (name or login), of one role or all.

    In Vietnamese order ("Đỗ" after "Dương", before "Giang"), which no database collation
    gives on both engines, the active accounts first: so the names of every match are sorted
    here (a center has hundreds of staff, not millions), and only the page's rows are read.
    """
    where: Any = User.role != Role.CITIZEN.value
    if role in {r.value for r in STAFF_ROLES}:
        where = where & (User.role == role)
    for word in search.split()[:5]:
        where = where & (contains(User.full_name, word) | contains(User.login, word.lower()))
    names = await User.select(User.id, User.active, User.full_name).where(where)
    names.sort(key=lambda r: (not r["active"], fold(r["full_name"]), r["full_name"], r["id"]))
    last = max(1, -(-len(names) // size))
    number = min(number, last)
    ids = [r["id"] for r in names[(number - 1) * size : number * size]]
    rows = await User.select(*_STAFF_COLUMNS).where(User.id.is_in(ids)) if ids else []
    position = {user_id: i for i, user_id in enumerate(ids)}
    rows.sort(key=lambda r: position[r["id"]])
    return Page(rows, number, size, len(names), tuple(query.items()))


async def get_staff(user_id: int) -> dict[str, Any]:
    row = (
        await User.select(*_STAFF_COLUMNS)
        .where((User.id == user_id) & (User.role != Role.CITIZEN.value))
        .first()
    )
    if row is None:
        raise NotFound(N_("Không tìm thấy tài khoản cán bộ này."))
    return row


async def staff_choices() -> dict[str, list[dict[str, Any]]]:
    """The agencies, counters and post offices the staff form offers."""
    return {
        "agencies": await Agency.select(Agency.id, Agency.code, Agency.name).order_by(Agency.name),
        "counters": await Counter.select().order_by(Counter.number),
        "post_offices": await PostOffice.select(
            PostOffice.id, PostOffice.code, PostOffice.name, PostOffice.active
        ).order_by(PostOffice.code),
    }


async def count_active_staff() -> int:
    return await User.count().where((User.role != Role.CITIZEN.value) & User.active.eq(True))


async def officers_at_counters(counter_ids: list[int]) -> dict[int, list[str]]:
    """The active officers sitting at each counter (shown on the counters' admin page)."""
    officers = await User.select(User.counter, User.full_name).where(
        User.counter.is_in(counter_ids) & User.active.eq(True)
    )
    out: dict[int, list[str]] = {}
    for o in officers:
        out.setdefault(o["counter"], []).append(o["full_name"])
    return out
