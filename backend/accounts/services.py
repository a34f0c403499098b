"""Accounts: registration, passwords, sign-in with throttling, sessions and API tokens."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import timedelta
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.accounts import passwords, ratelimit
from backend.accounts.tables import AuthSession, User
from backend.catalog.tables import Agency
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import FormErrors, TooManyRequests, UserError
from backend.lib.i18n import N_
from backend.lib.validation import (
    masked_citizen_id,
    normalize_citizen_id,
    normalize_phone,
    require_text,
)

WEB_SESSION_TTL = timedelta(days=30)
API_TOKEN_TTL = timedelta(days=7)
# Sign-in attempts are counted before the password is checked (backend.accounts.ratelimit), so
# parallel guesses cannot slip past the limits. From one address, at most 5 tries of one login
# and 30 tries in all per 15 minutes; successes are given back. For a login across every
# address, no hard lock (it would let anybody lock the owner out): each further try waits a
# little longer, up to MAX_DELAY.
LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_IP = 30
MAX_DELAY_SECONDS = 8.0
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return passwords.hash_secret(password)


def check_password_strength(password: str, login: str = "") -> None:
    """At least 8 characters, not only spaces, and not one of the passwords tried first by
    anyone guessing (NIST SP 800-63B 5.1.1.2: check against lists of common passwords)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            N_("Mật khẩu cần ít nhất {n} ký tự."), field="password", n=MIN_PASSWORD_LENGTH
        )
    if not password.strip():
        raise UserError(N_("Mật khẩu không được chỉ gồm dấu cách."), field="password")
    if passwords.is_common(password, login):
        raise UserError(
            N_(
                "Mật khẩu này quá phổ biến hoặc trùng số điện thoại, kẻ gian đoán được ngay. "
                "Hãy ghép vài từ dễ nhớ với nhau, ví dụ: hoa-mai-no-som-2026."
            ),
            field="password",
        )


def normalize_login(login: str) -> str:
    """Citizens sign in with a phone number written in any usual way; staff with a name."""
    cleaned = login.strip()
    try:
        return normalize_phone(cleaned, field="login")
    except UserError:
        return cleaned.lower()


async def create_user(
    *,
    role: Role,
    login: str,
    password: str,
    full_name: str,
    phone: str | None = None,
    citizen_id: str | None = None,
    agency_code: str | None = None,
) -> User:
    check_password_strength(password, login)
    if role is Role.CITIZEN:
        login = normalize_phone(login)
        phone = login
    else:
        login = login.strip().lower()
        if not login:
            raise UserError(N_("Vui lòng nhập tên đăng nhập."), field="login")
    agency_id = None
    if agency_code:
        agency = await Agency.select(Agency.id).where(Agency.code == agency_code).first()
        if agency is None:
            raise UserError(
                N_("Không có cơ quan nào mang mã {code}."), field="agency", code=agency_code
            )
        agency_id = agency["id"]
    # (Registering never takes over another account or its dossiers: a dossier filed at the
    # counter is claimed with its code and the claim code on its receipt, backend.dossiers.claims.)
    if await User.exists().where(User.login == login):
        raise UserError(
            N_("Số điện thoại hoặc tên đăng nhập này đã có tài khoản. Hãy đăng nhập."),
            field="login",
        )
    user = User(
        login=login,
        password_hash=hash_password(password),
        full_name=full_name,
        role=role.value,
        phone=phone,
        citizen_id=citizen_id,
        agency=agency_id,
        created_at=utcnow(),
    )
    await user.save()
    return user


# The password hash of an account nobody signs in to: no password matches it.
PLACEHOLDER_HASH = "!"
HOLDER_PREFIX = "walkin-"


async def holder_account(full_name: str, phone: str) -> int:
    """An account that holds one dossier filed at the counter until its citizen claims it.

    Nobody can sign in to it, and its login is not the phone number, so registering with that
    number does not make its dossier anybody's (issue 11: a phone number proves nothing until
    a code sent to it is typed back).
    """
    user = User(
        login=HOLDER_PREFIX + secrets.token_hex(8),
        password_hash=PLACEHOLDER_HASH,
        full_name=full_name,
        role=Role.CITIZEN.value,
        phone=phone,
        active=False,
        created_at=utcnow(),
    )
    await user.save()
    return int(user.id)


async def is_holder(user_id: int) -> bool:
    return await User.exists().where(
        (User.id == user_id)
        & (User.password_hash == PLACEHOLDER_HASH)
        & User.login.like(HOLDER_PREFIX + "%")
    )


async def register_citizen(
    *, phone: str, password: str, password_again: str, full_name: str, citizen_id: str
) -> User:
    """Self-registration is for citizens only; staff accounts are made by an administrator."""
    errors: list[UserError] = []
    values: dict[str, Any] = {}
    for key, check in (
        ("phone", lambda: normalize_phone(phone)),
        (
            "full_name",
            lambda: require_text(full_name, "full_name", N_("Vui lòng nhập họ và tên."), 120),
        ),
        ("citizen_id", lambda: normalize_citizen_id(citizen_id)),
    ):
        try:
            values[key] = check()
        except UserError as e:
            errors.append(e)
    try:
        check_password_strength(password, values.get("phone") or phone)
        if password != password_again:
            raise UserError(N_("Hai mật khẩu không giống nhau."), field="password_again")
    except UserError as e:
        errors.append(e)
    if errors:
        raise FormErrors(errors)
    try:
        return await create_user(
            role=Role.CITIZEN,
            login=values["phone"],
            password=password,
            full_name=values["full_name"],
            citizen_id=masked_citizen_id(values["citizen_id"]),
        )
    except UserError as e:
        if e.field == "login":
            e.field = "phone"
        raise FormErrors([e]) from e


async def authenticate(login: str, password: str, ip: str) -> User:
    """Check a password, within the limits above."""
    login = normalize_login(login)
    if not login or not password:
        raise UserError(N_("Vui lòng nhập số điện thoại và mật khẩu."), field="login")
    await _count_attempt(login, ip)
    user = await User.objects().where((User.login == login) & (User.active.eq(True))).first()
    ok = passwords.matches(user.password_hash if user else None, password)
    if not ok or user is None:
        raise UserError(N_("Số điện thoại/tên đăng nhập hoặc mật khẩu không đúng."), field="login")
    # The owner got in: their earlier mistakes no longer count, from any address.
    await ratelimit.reset("login", f"{login}|{ip}")
    await ratelimit.reset("login-any", login)
    await ratelimit.refund("login-ip", ip, LOGIN_WINDOW)
    if passwords.needs_rehash(user.password_hash):
        await User.update({User.password_hash: hash_password(password)}).where(User.id == user.id)
    return user


async def _count_attempt(login: str, ip: str) -> None:
    """Count this try before the slow check; refuse or slow it down when over the limits."""
    pair = await ratelimit.take("login", f"{login}|{ip}", MAX_FAILURES_PER_LOGIN, LOGIN_WINDOW)
    address = await ratelimit.take("login-ip", ip, MAX_FAILURES_PER_IP, LOGIN_WINDOW)
    if not (pair.allowed and address.allowed):
        raise TooManyRequests(
            N_("Bạn đã nhập sai nhiều lần. Vì an toàn, vui lòng thử lại sau {minutes} phút."),
            field="login",
            minutes=max(1, -(-max(pair.retry_after, address.retry_after) // 60)),
        )
    anywhere = await ratelimit.take("login-any", login, MAX_FAILURES_PER_LOGIN, LOGIN_WINDOW)
    if anywhere.count > 1:
        # Each earlier try of this login, from anywhere, costs a little more time.
        await asyncio.sleep(min(0.25 * 2 ** (anywhere.count - 2), MAX_DELAY_SECONDS))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(user_id: int, kind: str, user_agent: str = "") -> str:
    """A new random token for every sign-in: the session id is never reused across logins."""
    token = secrets.token_urlsafe(32)
    ttl = WEB_SESSION_TTL if kind == "web" else API_TOKEN_TTL
    now = utcnow()
    await AuthSession.insert(
        AuthSession(
            token_hash=_digest(token),
            user=user_id,
            kind=kind,
            created_at=now,
            expires_at=now + ttl,
            user_agent=user_agent[:200],
        )
    )
    return token


async def sessions_of(user_id: int, current_token: str = "") -> list[dict[str, Any]]:
    """The account's signed-in browsers and app tokens, newest first; `current` marks the one
    asking (never the token itself: only its hash is stored)."""
    current = _digest(current_token) if current_token else ""
    rows = await (
        AuthSession.select(
            AuthSession.id,
            AuthSession.token_hash,
            AuthSession.kind,
            AuthSession.created_at,
            AuthSession.expires_at,
            AuthSession.user_agent,
        )
        .where((AuthSession.user == user_id) & (AuthSession.expires_at > utcnow()))
        .order_by(AuthSession.created_at, ascending=False)
    )
    for r in rows:
        r["current"] = r.pop("token_hash") == current
        r["label"] = device_label(r["user_agent"])
    return rows


# What people call their browser and phone, found in the User-Agent header (first match wins:
# Edge and Cốc Cốc also say "Chrome", Chrome also says "Safari").
_BROWSERS = (
    ("Edg/", "Edge"),
    ("coc_coc", "Cốc Cốc"),
    ("Zalo", "Zalo"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """ "Chrome · Android" from a User-Agent, or "" when nothing is recognised."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    return " · ".join(x for x in (browser, system) if x)


async def end_session_of(user_id: int, session_id: int) -> bool:
    """Signs one of the account's own devices out; False when it is not theirs (or gone)."""
    ended = (
        await AuthSession.delete()
        .where((AuthSession.id == session_id) & (AuthSession.user == user_id))
        .returning(AuthSession.id)
    )
    return bool(ended)


async def refresh_token(token: str, user_agent: str = "") -> str | None:
    """A fresh API token for a valid one (a full lifetime again); the old one ends at once."""
    user = await user_for_token(token, "api")
    if user is None:
        return None
    async with write_transaction():
        await end_session(token)
        return await start_session(user.id, "api", user_agent)


async def end_session(token: str) -> None:
    await AuthSession.delete().where(AuthSession.token_hash == _digest(token))


async def end_other_sessions(user_id: int, kept_token: str) -> None:
    """Every browser and API token of the account signs out but the one asking."""
    await AuthSession.delete().where(
        (AuthSession.user == user_id) & (AuthSession.token_hash != _digest(kept_token))
    )


async def end_all_sessions(user_id: int) -> None:
    """Every browser and API token of the account signs out (a password was reset)."""
    await AuthSession.delete().where(AuthSession.user == user_id)


# Every signed-in request asks this: written out, since building the same query with Piccolo's
# foreign-key columns took longer than running it (a quarter of a dossier page, issue 14).
_SESSION_USER = (
    "SELECT u.id, u.login, u.full_name, u.role, u.phone, u.agency, u.post_office, u.active "
    'FROM auth_session s JOIN app_user u ON u.id = s."user" '
    "WHERE s.token_hash = {} AND s.kind = {} AND s.expires_at > {} LIMIT 1"
)


async def user_for_token(token: str, kind: str) -> CurrentUser | None:
    if not token or len(token) > 100:
        return None
    rows = await AuthSession.raw(_SESSION_USER, _digest(token), kind, utcnow())
    if not rows or not rows[0]["active"]:
        return None
    return CurrentUser.from_row(rows[0])


async def prune_sessions() -> None:
    await AuthSession.delete().where(AuthSession.expires_at < utcnow())
