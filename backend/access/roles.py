"""Who may do what."""

from __future__ import annotations

from enum import StrEnum

from backend.lib.i18n import N_


class Role(StrEnum):
    CITIZEN = "citizen"
    COUNTER = "counter"  # công chức Bộ phận Một cửa: intake and handover
    SPECIALIST = "specialist"  # chuyên viên of an agency
    LEADER = "leader"  # lãnh đạo of an agency: assigns, signs, stops
    POSTAL = "postal"  # nhân viên bưu điện: collects, carries and delivers parcels
    # lãnh đạo Trung tâm: sees every dossier and changes none; handles complaints, runs evaluations
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_staff(self) -> bool:
        return self is not Role.CITIZEN

    @property
    def home(self) -> str:
        """Where this person lands after signing in."""
        if self is Role.CITIZEN:
            return "/my/dossiers"
        return "/courier" if self is Role.POSTAL else "/staff"

    @property
    def needs_agency(self) -> bool:
        return self in (Role.SPECIALIST, Role.LEADER)


ROLE_LABELS: dict[Role, str] = {
    Role.CITIZEN: N_("Công dân"),
    Role.COUNTER: N_("Cán bộ Bộ phận Một cửa"),
    Role.SPECIALIST: N_("Chuyên viên"),
    Role.LEADER: N_("Lãnh đạo cơ quan"),
    Role.POSTAL: N_("Nhân viên bưu điện"),
    Role.MANAGER: N_("Lãnh đạo Trung tâm"),
    Role.ADMIN: N_("Quản trị viên"),
}
