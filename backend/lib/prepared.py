"""Piccolo selects built once and run many times with new values.

On a dossier page Piccolo spent more time turning its query objects into SQL (foreign-key
columns copied, fragments bundled, placeholders numbered) than the database spent running the
SQL: ~1 ms of a 5 ms page for fourteen small SELECTs (issue 14). A `prepared` query is built
once with markers in place of its values, compiled once per engine, and then only its values
change; it is run through the engine as usual (inside the caller's transaction when there is
one) and its rows go through the same Piccolo output handling as the query would.

    _events = prepared(lambda dossier: DossierEvent.select(...).where(DossierEvent.dossier == dossier))
    rows = await _events(dossier_id)

Only for queries whose shape does not depend on the values (no `is_in` of a list whose length
varies, no condition added or left out by value): the builder runs once.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from piccolo.query.base import Query
from piccolo.query.methods.select import First
from piccolo.querystring import QueryString


class _Value:
    """Stands for the builder's n-th argument in the compiled arguments."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __repr__(self) -> str:
        return f"<value {self.index}>"


class Prepared:
    def __init__(self, build: Callable[..., Any], arity: int) -> None:
        self.build = build
        self.arity = arity
        self._compiled: tuple[Query[Any, Any], bool, str, list[Any]] | None = None

    def _compile(self) -> tuple[Query[Any, Any], bool, str, list[Any]]:
        query = self.build(*(_Value(i) for i in range(self.arity)))
        first = isinstance(query, First)
        if first:
            query = query.query
        (querystring,) = query.querystrings
        sql, args = querystring.compile_string(engine_type=query.table._meta.db.engine_type)
        self._compiled = (query, first, sql, args)
        return self._compiled

    async def __call__(self, *values: Any) -> Any:
        if len(values) != self.arity:
            raise TypeError(f"expected {self.arity} values, got {len(values)}")
        query, first, sql, args = self._compiled or self._compile()
        # What Piccolo's where() does to a value (convert_to_sql_value) for the values used
        # here: an Enum is stored as its value.
        given = [v.value if isinstance(v, Enum) else v for v in values]
        querystring = QueryString("")
        querystring._frozen_compiled_strings = (
            sql,
            [given[a.index] if isinstance(a, _Value) else a for a in args],
        )
        results = await query.table._meta.db.run_querystring(querystring)
        rows = await query._process_results(results)
        if first:
            return rows[0] if rows else None
        return rows


def prepared(build: Callable[..., Any]) -> Prepared:
    """A query built by `build(value, ...)` once, then run with `await query(value, ...)`."""
    return Prepared(build, build.__code__.co_argcount)
