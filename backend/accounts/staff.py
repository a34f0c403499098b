"""Staff accounts, as the administrator makes and changes them.

Citizens register themselves (accounts.services); staff accounts are made only here. Every
function that takes a form reports all its wrong fields at once, the placement checks (which
need the database) together with the fields' own.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.access.roles import Role
from backend.accounts import ratelimit
from backend.accounts.queries import get_staff
from backend.accounts.schemas import NewStaffInput, PasswordInput, StaffInput, staff_role
from backend.accounts.services import create_user, hash_password
from backend.accounts.tables import AuthSession, User
from backend.catalog.tables import Agency, Counter, PostOffice
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import FormErrors, UserError
from backend.lib.forms import RawForm, attempt, first, read, to_int
from backend.lib.i18n import N_

MSG_NO_AGENCY = N_("Không có cơ quan này.")
MSG_COUNTER_UNUSABLE = N_("Quầy này không có hoặc đã ngừng hoạt động.")
MSG_POST_OFFICE_UNUSABLE = N_("Bưu điện này không có hoặc đã ngừng hoạt động.")


@dataclass(frozen=True)
class Placement:
    agency: int | None
    counter: int | None
    post_office: int | None


async def _check_places(
    data: RawForm, errors: list[UserError], current: Placement | None
) -> Placement:
    """That the agency exists and the counter and post office are in use.

    A counter or post office that has since stopped may stay with who already has it, but is
    not given to anybody new.
    """
    agency_raw, office_raw = first(data, "agency").strip(), first(data, "post_office").strip()
    agency_id = to_int(agency_raw)
    if agency_raw and agency_id is None:
        errors.append(UserError(MSG_NO_AGENCY, field="agency"))
    elif agency_id is not None and not await Agency.exists().where(Agency.id == agency_id):
        errors.append(UserError(MSG_NO_AGENCY, field="agency"))
        agency_id = None
    counter_id = to_int(first(data, "counter"))
    if counter_id is not None and counter_id != (current and current.counter):
        usable = await Counter.exists().where((Counter.id == counter_id) & Counter.active.eq(True))
        if not usable:
            errors.append(UserError(MSG_COUNTER_UNUSABLE, field="counter"))
    office_id = to_int(office_raw)
    if office_raw and office_id is None:
        errors.append(UserError(MSG_POST_OFFICE_UNUSABLE, field="post_office"))
    elif office_id is not None and office_id != (current and current.post_office):
        usable = await PostOffice.exists().where(
            (PostOffice.id == office_id) & PostOffice.active.eq(True)
        )
        if not usable:
            errors.append(UserError(MSG_POST_OFFICE_UNUSABLE, field="post_office"))
    return Placement(agency_id, counter_id, office_id)


def _check_role_fits(role: Role, place: Placement, data: RawForm, errors: list[UserError]) -> None:
    """The agency (specialists and leaders only), the counter (counter officers only) and the
    post office (postal workers only)."""
    agency_given = place.agency is not None or bool(first(data, "agency").strip())
    if role.needs_agency and not agency_given:
        message = N_("Chuyên viên và lãnh đạo cơ quan phải thuộc một cơ quan. Hãy chọn cơ quan.")
        errors.append(UserError(message, field="agency"))
    elif not role.needs_agency and place.agency is not None:
        message = N_("Chỉ chuyên viên và lãnh đạo cơ quan mới thuộc một cơ quan. Hãy bỏ chọn.")
        errors.append(UserError(message, field="agency"))
    if role is Role.COUNTER and place.counter is None:
        message = N_("Cán bộ Bộ phận Một cửa cần được xếp một quầy.")
        errors.append(UserError(message, field="counter"))
    elif role is not Role.COUNTER and place.counter is not None:
        message = N_("Chỉ cán bộ Bộ phận Một cửa mới ngồi quầy. Hãy bỏ chọn.")
        errors.append(UserError(message, field="counter"))
    office_given = place.post_office is not None or bool(first(data, "post_office").strip())
    if role is Role.POSTAL and not office_given:
        message = N_("Nhân viên bưu điện phải thuộc một bưu điện. Hãy chọn bưu điện.")
        errors.append(UserError(message, field="post_office"))
    elif role is not Role.POSTAL and place.post_office is not None:
        message = N_("Chỉ nhân viên bưu điện mới thuộc một bưu điện. Hãy bỏ chọn.")
        errors.append(UserError(message, field="post_office"))


def _role_as_sent(data: RawForm) -> Role | None:
    try:
        return staff_role(first(data, "role"))
    except UserError:
        return None  # already reported with the form's fields


async def _placement(
    data: RawForm, errors: list[UserError], current: Placement | None = None
) -> Placement:
    place = await _check_places(data, errors, current)
    role = _role_as_sent(data)
    if role is not None:
        _check_role_fits(role, place, data, errors)
    return place


async def create_staff(data: RawForm) -> int:
    form, errors = attempt(NewStaffInput, data)
    place = await _placement(data, errors)
    if errors:
        raise FormErrors(errors)
    assert form is not None
    taken = UserError(N_("Tên đăng nhập này đã có người dùng."), field="login")
    if await User.exists().where(User.login == form.login):
        raise FormErrors([taken])
    agency_code = None
    if place.agency is not None:
        agency = await Agency.select(Agency.code).where(Agency.id == place.agency).first()
        agency_code = agency["code"] if agency else None
    try:
        async with write_transaction():
            user = await create_user(
                role=form.role,
                login=form.login,
                password=form.password,
                full_name=form.full_name,
                agency_code=agency_code,
            )
            if place.counter is not None or place.post_office is not None:
                await User.update(
                    {User.counter: place.counter, User.post_office: place.post_office}
                ).where(User.id == user.id)
    except UserError as e:
        raise FormErrors([taken if e.field == "login" else e]) from e
    except Exception as e:
        if is_unique_violation(e):
            raise FormErrors([taken]) from e
        raise
    return int(user.id)


async def update_staff(user_id: int, data: RawForm, acting_user_id: int) -> None:
    current = await get_staff(user_id)
    form, errors = attempt(StaffInput, data)
    role = _role_as_sent(data)
    if role is not None and user_id == acting_user_id and role.value != current["role"]:
        message = N_("Bạn không thể tự đổi vai trò của chính mình. Hãy nhờ một quản trị viên khác.")
        errors.append(UserError(message, field="role"))
    held = Placement(current["agency"], current["counter"], current["post_office"])
    place = await _placement(data, errors, held)
    if errors:
        raise FormErrors(errors)
    assert form is not None
    await User.update(
        {
            User.full_name: form.full_name,
            User.role: form.role.value,
            User.agency: place.agency,
            User.counter: place.counter,
            User.post_office: place.post_office,
        }
    ).where(User.id == user_id)


async def set_staff_active(user_id: int, active: bool, acting_user_id: int) -> None:
    """A deactivated account cannot sign in, and every session it had ends now."""
    await get_staff(user_id)
    if not active and user_id == acting_user_id:
        raise UserError(N_("Bạn không thể tự khóa tài khoản của chính mình."))
    async with write_transaction():
        await User.update({User.active: active}).where(User.id == user_id)
        if not active:
            await AuthSession.delete().where(AuthSession.user == user_id)


async def reset_password(user_id: int, data: RawForm, acting_user_id: int) -> None:
    """A new password; the account is signed out everywhere (except the admin's own browser)."""
    row = await get_staff(user_id)
    password = read(PasswordInput, data).password
    async with write_transaction():
        await User.update({User.password_hash: hash_password(password)}).where(User.id == user_id)
        if user_id != acting_user_id:
            await AuthSession.delete().where(AuthSession.user == user_id)
    # An officer locked out by failed attempts can use the new password at once.
    await ratelimit.reset_prefix("login", row["login"] + "|")
    await ratelimit.reset("login-any", row["login"])
