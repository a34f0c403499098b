"""What every administration page has in common, for any domain's tables.

- **Sections of the /admin index.** A domain's admin controller declares its section in its
  `opt` (`opt = section(AdminSection(...))`); the index page gathers the sections of the
  routes the app serves (`index_items(app)`). The index needs no list of domains, lib imports
  none, and a domain whose pages are not mounted does not appear on it.
- **Reading a form** into a dataclass (`read`, `attempt`): `lib.forms.decode` reads the plain
  fields; a field declared with `rule(...)` is read by the domain's own function, which keeps
  its precise Vietnamese message (a login's format, a fee written "25.000", a ward code...).
  Every wrong field is reported at once.
- **The pages of one kind of row** (`AdminPages`): a list with search and pagination (50 a
  page, the total shown), a form to add one and a form to change one, shown again with the
  values typed and each message beside its field (422) when refused, and a 303 to the saved
  item with `?ok=<notice>` when saved.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from litestar import Litestar, Request
from litestar.response import Redirect, Template

from backend.lib.errors import UserError
from backend.lib.forms import RawForm, values_of
from backend.lib.i18n import N_
from backend.lib.pagination import Page, page_number
from backend.lib.web import form_errors, render, see_other

T = TypeVar("T")

# --- sections of the index ---------------------------------------------------------------------

SECTION_OPT = "admin_section"


@dataclass(frozen=True)
class AdminSection:
    """One entry of the /admin index. `summary` gives the chip shown beside it (a count)."""

    order: int
    url: str
    title: str  # message ids, translated when shown
    description: str
    summary: Callable[[], Awaitable[str]] | None = None


CONTRIBUTES_OPT = "admin_contributes"
# What a domain adds to another domain's admin list, keyed by row id: e.g. accounts gives the
# counters page the officers sitting at each counter, which catalog cannot read itself (the
# user table lies above it).
Contribution = Callable[[list[int]], Awaitable[dict[int, list[str]]]]


def section(entry: AdminSection, **contributes: Contribution) -> dict[str, Any]:
    """The `opt` of a controller that owns an index section (and contributes to others)."""
    return {SECTION_OPT: entry, CONTRIBUTES_OPT: contributes}


def _opts(app: Litestar, key: str) -> list[Any]:
    found: list[Any] = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            value = handler.opt.get(key)
            if value is not None and all(value is not f for f in found):
                found.append(value)
    return found


async def gathered(app: Litestar, name: str, ids: list[int]) -> dict[int, list[str]]:
    """What the mounted domains contribute under `name` for these rows."""
    out: dict[int, list[str]] = {}
    if not ids:
        return out
    for contributes in _opts(app, CONTRIBUTES_OPT):
        if name in contributes:
            for row_id, items in (await contributes[name](ids)).items():
                out.setdefault(row_id, []).extend(items)
    return out


def sections(app: Litestar, extra: tuple[AdminSection, ...] = ()) -> list[AdminSection]:
    found: dict[str, AdminSection] = {}
    for entry in _opts(app, SECTION_OPT):
        if isinstance(entry, AdminSection):
            found.setdefault(entry.url, entry)
    for entry in extra:
        found.setdefault(entry.url, entry)
    return sorted(found.values(), key=lambda s: s.order)


async def index_items(app: Litestar, extra: tuple[AdminSection, ...] = ()) -> list[dict[str, Any]]:
    """The index's entries in order, each with its chip text (or None)."""
    return [
        {
            "url": s.url,
            "title": s.title,
            "description": s.description,
            "summary": await s.summary() if s.summary else None,
        }
        for s in sections(app, extra)
    ]


# --- the pages of one kind of row --------------------------------------------------------------

NOTICES: dict[str, str] = {
    "saved": N_("Đã lưu thay đổi."),
    "created": N_("Đã thêm."),
}
Refused = Callable[[dict[str, Any], dict[str, str]], Awaitable[Template]]


@dataclass(frozen=True)
class AdminPages:
    """The list, the add form and the edit form of one kind of row.

    `choices` gives what the form offers (agencies, counters...); `partial` is the list's
    results fragment, which htmx asks for while the administrator types a search.
    """

    list_template: str
    form_template: str
    notices: Mapping[str, str] = dataclasses.field(default_factory=dict)
    choices: Callable[[], Awaitable[dict[str, Any]]] | None = None
    partial: str | None = None

    def notice(self, ok: str) -> str | None:
        return self.notices.get(ok) or NOTICES.get(ok)

    async def list(
        self,
        request: Request[Any, Any, Any],
        rows: Callable[[int, dict[str, str]], Awaitable[Page[Any]]],
        ok: str = "",
        status: int = 200,
        **ctx: Any,
    ) -> Template:
        """One page of `rows(page number, query)`; the query keeps the filters in the
        pager's links (and drops the notice, said once)."""
        query = {k: v for k, v in request.query_params.items() if k != "ok"}
        page = await rows(page_number(query.get("page")), query)
        return render(
            request,
            self.list_template,
            status_code=status,
            partial=self.partial,
            page=page,
            notice=self.notice(ok),
            **ctx,
        )

    async def form(
        self,
        request: Request[Any, Any, Any],
        values: Mapping[str, Any],
        *,
        errors: dict[str, str] | None = None,
        status: int = 200,
        ok: str = "",
        template: str | None = None,
        **ctx: Any,
    ) -> Template:
        """The add or edit form (`template` when the two differ much)."""
        offered = await self.choices() if self.choices else {}
        return render(
            request,
            template or self.form_template,
            status_code=status,
            values=values,
            errors=errors or {},
            notice=self.notice(ok),
            **offered,
            **ctx,
        )

    async def submit(
        self,
        request: Request[Any, Any, Any],
        data: RawForm,
        save: Callable[[], Awaitable[str]],
        *,
        secret: tuple[str, ...] = (),
        refused: Refused | None = None,
        **ctx: Any,
    ) -> Template | Redirect:
        """`save()` returns where the saved item is shown (with `?ok=`); a refusal shows the
        form again as it was typed (never a secret), or what `refused` shows. An unknown row
        is a 404, not a refusal."""
        try:
            url = await save()
        except UserError as e:
            if e.status_code == 404:
                raise
            values, errors = values_of(data, *secret), form_errors(e)
            if refused is not None:
                return await refused(values, errors)
            return await self.form(request, values, errors=errors, status=422, **ctx)
        return see_other(url)
