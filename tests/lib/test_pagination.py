"""lib.pagination: pages of a list with their total and links that keep the filters."""

from __future__ import annotations

from backend.lib.pagination import Page, page_number


def test_page_number_from_a_query_string() -> None:
    assert [page_number(x) for x in ("3", "0", "-2", "abc", None, "99999999")] == [
        3,
        1,
        1,
        1,
        1,
        2000,
    ]


def test_page_arithmetic_and_links_keep_the_filters() -> None:
    page = Page(
        rows=list(range(50)), number=2, size=50, total=120, query=(("q", "cư trú"), ("page", "2"))
    )
    assert (page.pages, page.has_previous, page.has_next) == (3, True, True)
    assert (page.first_index, page.last_index) == (51, 100)
    assert page.url(3) == "?q=c%C6%B0+tr%C3%BA&page=3"
    assert page.url(1) == "?q=c%C6%B0+tr%C3%BA"
    empty = Page(rows=[], number=1, size=50, total=0)
    assert (empty.pages, empty.has_next, empty.first_index, empty.url(1)) == (1, False, 0, "?")
