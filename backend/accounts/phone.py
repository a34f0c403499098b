"""Proving a phone, changing it, and "Quên mật khẩu?": the flows built on phone_codes.

Who may see what (think of someone who knows only a victim's phone number):
- Registering with a number proves nothing: the account sees only what it files itself (and
  what it claims with a receipt's claim code, which needs the paper). Only a code sent to the
  number and typed back (`prove`) marks the phone proven and lets other domains act on it
  (hooks.phone_proven: the walk-in dossiers filed for the number become the account's).
- A number already taken by an account that never proved it (someone registered another
  person's number, or an account from before codes) is not lost to its real holder: recovery
  sends the code to the number itself, so the holder sets a new password, every session of
  whoever registered it ends, and the phone becomes proven.
- Recovery answers the same whether or not the number has an account: the send is counted
  and throttled before the account is looked up, and every wrong, expired or missing code
  reads the same.
"""

from __future__ import annotations

from backend.access.roles import Role
from backend.accounts import hooks, passwords, phone_codes, services
from backend.accounts.phone_codes import Purpose
from backend.accounts.tables import User
from backend.lib.clock import utcnow
from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import N_
from backend.lib.validation import normalize_phone


async def is_proven(user_id: int) -> bool:
    return await User.exists().where((User.id == user_id) & User.phone_verified_at.is_not_null())


async def send_proof_code(user_id: int, phone: str, ip: str) -> None:
    """A code to the account's own number (after registration, or when asked for)."""
    await phone_codes.throttle_send(phone, ip)
    await phone_codes.issue(phone, Purpose.VERIFY, user_id)


async def _proven(user_id: int, phone: str) -> None:
    now = utcnow()
    await User.update({User.phone_verified_at: now}).where(
        (User.id == user_id) & User.phone_verified_at.is_null()
    )
    await hooks.phone_proven(hooks.PhoneProven(user_id, phone, now))


async def prove(user_id: int, phone: str, typed: str, ip: str) -> None:
    await phone_codes.use(phone, Purpose.VERIFY, typed, ip, user_id)
    await _proven(user_id, phone)


async def _citizen_of(phone: str) -> int | None:
    row = (
        await User.select(User.id)
        .where((User.login == phone) & (User.role == Role.CITIZEN.value) & User.active.eq(True))
        .first()
    )
    return int(row["id"]) if row else None


async def start_recovery(raw_phone: str, ip: str) -> str:
    """Send a recovery code if the number belongs to a citizen's account; returns the number
    as normalised. The caller answers the same either way."""
    phone = normalize_phone(raw_phone)
    await phone_codes.throttle_send(phone, ip)
    if await _citizen_of(phone) is not None:
        await phone_codes.issue(phone, Purpose.RECOVER)
    return phone


async def recover(phone: str, typed: str, password: str, password_again: str, ip: str) -> int:
    """Set a new password with a recovery code; every session and API token of the account
    ends. Returns the account's id."""
    errors: list[UserError] = []
    try:
        services.check_password_strength(password, phone)
        if password != password_again:
            raise UserError(N_("Hai mật khẩu không giống nhau."), field="password_again")
    except UserError as e:
        errors.append(e)
    if not "".join(ch for ch in typed if ch.isdigit()):
        errors.append(UserError(N_("Vui lòng nhập mã gồm 6 chữ số."), field="code"))
    if errors:
        raise FormErrors(errors)
    await phone_codes.use(phone, Purpose.RECOVER, typed, ip)
    user_id = await _citizen_of(phone)
    if user_id is None:  # deactivated meanwhile
        raise UserError(phone_codes.WRONG, field="code")
    await User.update({User.password_hash: services.hash_password(password)}).where(
        User.id == user_id
    )
    await services.end_all_sessions(user_id)
    # Whoever got the code holds the number: it is proven now (also for an old account).
    await _proven(user_id, phone)
    return user_id


async def start_change(user_id: int, raw_phone: str, password: str, ip: str) -> str:
    """Send a code to the new number; the current password is asked first (a borrowed,
    signed-in phone must not be enough to move the account)."""
    row = await User.select(User.password_hash, User.login).where(User.id == user_id).first()
    if row is None or not passwords.matches(row["password_hash"], password):
        raise UserError(N_("Mật khẩu không đúng."), field="password")
    phone = normalize_phone(raw_phone)
    if phone == row["login"]:
        raise UserError(N_("Đây đã là số điện thoại của tài khoản."), field="phone")
    await phone_codes.throttle_send(phone, ip)
    await phone_codes.issue(phone, Purpose.CHANGE, user_id)
    return phone


async def finish_change(user_id: int, phone: str, typed: str, ip: str, kept_token: str) -> None:
    """Move the account to the proven new number. Every other session and token ends, as on a
    new password: the number is how the account is recovered, and it changes most often when
    the old phone is lost (whoever holds it may be signed in)."""
    await phone_codes.use(phone, Purpose.CHANGE, typed, ip, user_id)
    # Only the holder of the new number gets this far, so saying it is taken reveals nothing.
    if await User.exists().where((User.login == phone) & (User.id != user_id)):
        raise UserError(
            N_("Số điện thoại này đã gắn với một tài khoản khác. Hãy đăng nhập bằng số đó."),
            field="code",
        )
    await User.update({User.login: phone, User.phone: phone, User.phone_verified_at: None}).where(
        User.id == user_id
    )
    await _proven(user_id, phone)
    await services.end_other_sessions(user_id, kept_token)
