"""Who may do what. Later issues add the staff roles (counter, agency, post office, manager)."""

from __future__ import annotations

from enum import StrEnum

from backend.lib.i18n import N_


class Role(StrEnum):
    CITIZEN = "citizen"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.CITIZEN: N_("Công dân"),
    Role.ADMIN: N_("Quản trị viên"),
}
