"""Offset pagination for queues and lists: a page of rows, the total, and the way to the next.

Lists used to stop silently at 500 or 1,000 rows; now every list says how many there are and
offers "Trang sau" (frontend/templates/_pager.html). Pages are sorted by an indexed column so
that the database reads only the rows of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

T = TypeVar("T")
PAGE_SIZE = 50
# Far pages of a large list are slow and nobody reads them: the search narrows instead.
MAX_PAGE = 2000


def page_number(raw: Any) -> int:
    """The page asked for in the query string (`?page=`), 1 for anything unusable."""
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    number: int
    size: int
    total: int
    # The other query parameters of the list (filters, search), kept by the page links.
    query: tuple[tuple[str, str], ...] = ()

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        """1-based position of the first row shown (0 when the list is empty)."""
        return self.offset + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return self.offset + len(self.rows)

    def url(self, number: int) -> str:
        params = [(k, v) for k, v in self.query if k != "page" and v != ""]
        if number > 1:
            params.append(("page", str(number)))
        return "?" + urlencode(params) if params else "?"


async def paginate(
    select: Any,
    count: Any,
    number: int,
    size: int = PAGE_SIZE,
    query: dict[str, str] | None = None,
) -> Page[dict[str, Any]]:
    """One page of a Piccolo `select` (already filtered and ordered) and the total from
    `count` (the same filter)."""
    total = int(await count)
    last = max(1, -(-total // size))
    number = min(number, last)
    rows = await select.offset((number - 1) * size).limit(size)
    return Page(rows, number, size, total, tuple((query or {}).items()))
