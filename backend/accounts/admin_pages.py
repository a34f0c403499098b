"""The administration index (/admin/) and staff accounts (/admin/staff/), administrators only.

The index lists the sections that the domains' admin controllers declare in their `opt`
(lib.admin.section), so it knows no other domain. Forms post url-encoded with `_csrf_token`;
a refused form is shown again (422) with its values and the messages beside their fields; a
saved one redirects (303) to the account's page with `?ok=<notice>`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, get, post
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template

from backend.access.guards import SignedIn, requires
from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts import queries, staff
from backend.accounts.schemas import STAFF_ROLES
from backend.lib.admin import AdminPages, AdminSection, index_items, section
from backend.lib.i18n import N_, ngettext
from backend.lib.web import FormData, render, see_other

ADMINS_ONLY = [requires(Role.ADMIN)]


class AdminHomeController(Controller):
    path = "/admin"
    include_in_schema = False
    guards = ADMINS_ONLY

    @get("/")
    async def index(self, request: HTMXRequest) -> Template:
        items = await index_items(request.app)
        return render(request, "admin/index.html", items=items)


async def _active_staff() -> str:
    n = await queries.count_active_staff()
    return ngettext("%(num)d tài khoản đang dùng", "%(num)d tài khoản đang dùng", n) % {"num": n}


STAFF_SECTION = AdminSection(
    10,
    "/admin/staff/",
    N_("Cán bộ"),
    N_("Tài khoản cán bộ: tạo mới, phân quyền, khóa, đặt lại mật khẩu"),
    _active_staff,
)
PAGES = AdminPages(
    list_template="admin/staff_list.html",
    form_template="admin/staff_new.html",
    notices={
        "staff-created": N_(
            "Đã tạo tài khoản. Hãy báo tên đăng nhập và mật khẩu ban đầu cho cán bộ."
        ),
        "deactivated": N_("Đã khóa tài khoản. Tài khoản này đã bị đăng xuất khỏi mọi thiết bị."),
        "activated": N_("Đã mở khóa tài khoản."),
        "password": N_("Đã đặt mật khẩu mới."),
    },
    choices=queries.staff_choices,
)


class StaffController(Controller):
    path = "/admin/staff"
    include_in_schema = False
    guards = ADMINS_ONLY
    opt = section(STAFF_SECTION, counter_officers=queries.officers_at_counters)

    @get("/")
    async def index(self, request: HTMXRequest, q: str = "", role: str = "") -> Template:
        rows = partial(queries.staff_page, q[:100], role[:20])
        return await PAGES.list(request, rows, q=q, role=role, roles=STAFF_ROLES)

    @get("/new")
    async def new(self, request: HTMXRequest) -> Template:
        return await PAGES.form(request, {}, roles=STAFF_ROLES)

    @post("/new")
    async def create(self, request: HTMXRequest, data: FormData) -> Template | Redirect:
        async def save() -> str:
            return f"/admin/staff/{await staff.create_staff(data)}?ok=staff-created"

        return await PAGES.submit(request, data, save, secret=("password",), roles=STAFF_ROLES)

    async def _edit_page(
        self, request: HTMXRequest, user_id: int, me: CurrentUser, **ctx: Any
    ) -> Template:
        account = await queries.get_staff(user_id)
        values = ctx.pop("values", None)
        if values is None:
            values = {
                "full_name": account["full_name"],
                "role": account["role"],
                "agency": str(account["agency"] or ""),
                "counter": str(account["counter"] or ""),
                "post_office": str(account["post_office"] or ""),
            }
        return await PAGES.form(
            request,
            values,
            template="admin/staff_edit.html",
            staff=account,
            roles=STAFF_ROLES,
            password_errors=ctx.pop("password_errors", {}),
            status_errors=ctx.pop("status_errors", {}),
            is_me=user_id == me.id,
            **ctx,
        )

    @get("/{user_id:int}")
    async def edit(
        self, request: HTMXRequest, user_id: int, user: SignedIn, ok: str = ""
    ) -> Template:
        return await self._edit_page(request, user_id, user, ok=ok)

    @post("/{user_id:int}")
    async def save(
        self, request: HTMXRequest, user_id: int, data: FormData, user: SignedIn
    ) -> Template | Redirect:
        async def save() -> str:
            await staff.update_staff(user_id, data, user.id)
            return f"/admin/staff/{user_id}?ok=saved"

        async def refused(values: dict[str, Any], errors: dict[str, str]) -> Template:
            return await self._edit_page(
                request, user_id, user, values=values, errors=errors, status=422
            )

        return await PAGES.submit(request, data, save, refused=refused)

    @post("/{user_id:int}/password")
    async def password(
        self, request: HTMXRequest, user_id: int, data: FormData, user: SignedIn
    ) -> Template | Redirect:
        async def save() -> str:
            await staff.reset_password(user_id, data, user.id)
            return f"/admin/staff/{user_id}?ok=password"

        async def refused(_values: dict[str, Any], errors: dict[str, str]) -> Template:
            return await self._edit_page(request, user_id, user, password_errors=errors, status=422)

        return await PAGES.submit(request, data, save, refused=refused)

    async def _set_active(
        self, request: HTMXRequest, user_id: int, active: bool, me: CurrentUser
    ) -> Template | Redirect:
        async def save() -> str:
            await staff.set_staff_active(user_id, active, me.id)
            return f"/admin/staff/{user_id}?ok={'activated' if active else 'deactivated'}"

        async def refused(_values: dict[str, Any], errors: dict[str, str]) -> Template:
            return await self._edit_page(request, user_id, me, status_errors=errors, status=422)

        return await PAGES.submit(request, {}, save, refused=refused)

    @get(["/{user_id:int}/password", "/{user_id:int}/deactivate", "/{user_id:int}/activate"])
    async def back_to_account(self, user_id: int) -> Redirect:
        """A refused form leaves its address in the browser (htmx pushes it): reloading it
        leads back to the account's page rather than to an error."""
        return see_other(f"/admin/staff/{user_id}")

    @post("/{user_id:int}/deactivate")
    async def deactivate(
        self, request: HTMXRequest, user_id: int, user: SignedIn
    ) -> Template | Redirect:
        return await self._set_active(request, user_id, False, user)

    @post("/{user_id:int}/activate")
    async def activate(
        self, request: HTMXRequest, user_id: int, user: SignedIn
    ) -> Template | Redirect:
        return await self._set_active(request, user_id, True, user)
