"""What the staff account forms send, read with `lib.admin.read` (shared by pages and API)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.access.roles import Role
from backend.accounts.services import check_password_strength
from backend.lib.errors import UserError
from backend.lib.forms import rule, text
from backend.lib.i18n import N_

STAFF_ROLES: tuple[Role, ...] = (
    Role.COUNTER,
    Role.SPECIALIST,
    Role.LEADER,
    Role.POSTAL,
    Role.MANAGER,
    Role.ADMIN,
)
# Starts with a letter, so that a staff login is never taken for a phone number at sign-in.
_LOGIN = re.compile(r"^[a-z][a-z0-9._-]{2,63}$")


def staff_role(raw: str) -> Role:
    try:
        role = Role(raw)
    except ValueError:
        role = Role.CITIZEN
    if role not in STAFF_ROLES:
        raise UserError(N_("Vui lòng chọn vai trò."), field="role")
    return role


def staff_login(raw: str) -> str:
    value = raw.strip().lower()
    if not value:
        raise UserError(N_("Vui lòng nhập tên đăng nhập."), field="login")
    if not _LOGIN.match(value):
        raise UserError(
            N_(
                "Tên đăng nhập từ 3 đến 64 ký tự, bắt đầu bằng chữ cái, chỉ gồm chữ thường "
                "không dấu, chữ số và các dấu . _ -"
            ),
            field="login",
        )
    return value


def new_password(raw: str) -> str:
    """Taken as typed (spaces count): only its length is checked."""
    check_password_strength(raw)
    return raw


@dataclass
class StaffInput:
    """Name, role and placement. The placement (agency, counter, post office: ids as sent) is
    checked against the role and the database by `accounts.staff`."""

    full_name: str = text(max_length=120, required=N_("Vui lòng nhập họ và tên."))
    agency: str = ""
    counter: str = ""
    post_office: str = ""
    role: Role = rule(staff_role, default=Role.CITIZEN)  # noqa: RUF009 (a dataclass field)


@dataclass
class NewStaffInput(StaffInput):
    login: str = rule(staff_login, default="")
    password: str = rule(new_password, default="")


@dataclass
class PasswordInput:
    password: str = rule(new_password, default="")
