"""Whose figures a person may see: the center's managers (and administrators) any agency or
all of them; an agency leader only their own agency, whatever the address asks for."""

from __future__ import annotations

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.lib.errors import Forbidden
from backend.lib.forms import to_int
from backend.lib.i18n import N_


def agency_scope(user: CurrentUser, asked: str) -> int | None:
    """The agency id to report on (None: every agency)."""
    if user.role is Role.LEADER:
        if user.agency_id is None:  # a leader of no agency sees nothing rather than all
            raise Forbidden(N_("Bạn không có quyền xem trang này."))
        return user.agency_id
    return to_int(asked) or None
