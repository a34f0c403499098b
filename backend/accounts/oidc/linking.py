"""Which account a person signed in by the national electronic identity gets.

1. The subject (issuer + `sub`) was seen before: its account.
2. First time: an existing citizen account is linked only on what the provider asserts:
   - the same personal ID number given by an earlier sign-in through a provider (kept as a
     keyed hash). A number typed at registration is never believed: anybody can type
     another person's number and prove a phone of their own, and that person's first sign-in
     would then open the typist's account;
   - the same phone number, when the provider says it verified it (`phone_number_verified`)
     and the account proved it too (by a code, or by the provider at an earlier sign-in).
3. Otherwise a new citizen account, without a password (the citizen signs in through the
   provider, or sets one by "Quên mật khẩu?" once the phone is proven). Its phone counts as
   proven only when the provider verified it.

Staff accounts are never linked: a citizen identity must not open a back-office account.
The personal ID number is kept as an HMAC (keyed with the app's secret) and its last four
digits only: matching needs no more, and a leaked database then holds no ID numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from backend.access.roles import Role
from backend.accounts import hooks
from backend.accounts.services import PLACEHOLDER_HASH
from backend.accounts.tables import OidcIdentity, User
from backend.lib.clock import utcnow
from backend.lib.db import write_transaction
from backend.lib.errors import Forbidden, UserError
from backend.lib.i18n import N_
from backend.lib.validation import normalize_citizen_id, normalize_phone
from backend.settings import Settings

log = logging.getLogger("motcua.oidc")

# The login of an account made at a first sign-in whose phone number is not proven (citizens'
# logins are otherwise their phone number, which must stay free for its owner).
LOGIN_PREFIX = "dinhdanh-"
DEFAULT_NAME = N_("Công dân")
LOCKED = N_("Tài khoản gắn với danh tính này đã bị khoá. Vui lòng liên hệ Trung tâm.")


@dataclass(frozen=True)
class Person:
    """What the provider asserted, cleaned: None where a claim is missing or malformed."""

    issuer: str
    subject: str
    name: str
    personal_id: str | None
    phone: str | None
    phone_verified: bool


def person_from_claims(claims: dict[str, Any], settings: Settings) -> Person:
    personal_id = None
    if settings.oidc_id_claim:
        raw = claims.get(settings.oidc_id_claim)
        try:
            personal_id = normalize_citizen_id(str(raw)) if raw else None
        except UserError:
            log.warning("OIDC claim %s is not a 12-digit ID number", settings.oidc_id_claim)
    phone = None
    raw_phone = claims.get(settings.oidc_phone_claim)
    if raw_phone:
        try:
            phone = normalize_phone(str(raw_phone))
        except UserError:
            log.info("OIDC phone claim is not a Vietnamese mobile number")
    name = claims.get("name") or " ".join(
        str(claims[k]) for k in ("family_name", "middle_name", "given_name") if claims.get(k)
    )
    return Person(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        name=" ".join(str(name).split())[:120],
        personal_id=personal_id,
        phone=phone,
        # Only a JSON true: "true" or 1 from a sloppy provider does not prove a number.
        phone_verified=phone is not None and claims.get("phone_number_verified") is True,
    )


def subject_key(issuer: str, subject: str) -> str:
    return hashlib.sha256(f"{issuer}\0{subject}".encode()).hexdigest()


def personal_id_hash(number: str, secret: str) -> str:
    return hmac.new(secret.encode(), b"personal-id:" + number.encode(), hashlib.sha256).hexdigest()


async def account_for(person: Person, secret: str) -> tuple[int, str]:
    """The account's id, and how it was found: "known", "personal_id", "phone" or "new"."""
    async with write_transaction():
        key = subject_key(person.issuer, person.subject)
        known = (
            await OidcIdentity.select(OidcIdentity.user)
            .where(OidcIdentity.subject_key == key)
            .first()
        )
        if known is not None:
            user_id, how = int(known["user"]), "known"
        else:
            found = await _existing_account(person, secret)
            if found is not None:
                user_id, how = found
            else:
                user_id, how = await _new_account(person), "new"
            await _remember(person, key, user_id, secret)
        user = (
            await User.select(User.active, User.role, User.phone, User.phone_verified_at)
            .where(User.id == user_id)
            .first()
        )
        if user is None or not user["active"] or user["role"] != Role.CITIZEN.value:
            raise Forbidden(LOCKED)
        await OidcIdentity.update({OidcIdentity.last_sign_in_at: utcnow()}).where(
            OidcIdentity.subject_key == key
        )
        if (
            person.phone_verified
            and person.phone
            and user["phone"] == person.phone
            and user["phone_verified_at"] is None
        ):
            await _prove_phone(user_id, person.phone)
    return user_id, how


def _citizens() -> Any:
    return (User.role == Role.CITIZEN.value) & User.active.eq(True)


async def _existing_account(person: Person, secret: str) -> tuple[int, str] | None:
    if person.personal_id:
        linked = (
            await OidcIdentity.select(OidcIdentity.user)
            .where(OidcIdentity.personal_id_hash == personal_id_hash(person.personal_id, secret))
            .order_by(OidcIdentity.id)
            .first()
        )
        if linked is not None:
            return int(linked["user"]), "personal_id"
    if person.phone and person.phone_verified:
        proven = _citizens() & User.phone_verified_at.is_not_null()
        # The account that signs in with this number first, then the oldest that holds it.
        for same in (User.login == person.phone, User.phone == person.phone):
            row = await User.select(User.id).where(proven & same).order_by(User.id).first()
            if row is not None:
                return int(row["id"]), "phone"
    return None


async def _new_account(person: Person) -> int:
    proven = person.phone_verified and person.phone is not None
    login = LOGIN_PREFIX + secrets.token_hex(8)
    if proven and not await User.exists().where(User.login == person.phone):
        login = str(person.phone)
    user = User(
        login=login,
        password_hash=PLACEHOLDER_HASH,  # no password matches it
        full_name=person.name or DEFAULT_NAME,
        role=Role.CITIZEN.value,
        phone=person.phone,
        created_at=utcnow(),
    )
    await user.save()
    user_id = int(user.id)
    if proven and person.phone:
        await _prove_phone(user_id, person.phone)
    return user_id


async def _prove_phone(user_id: int, phone: str) -> None:
    """The provider verified the number: as good as a code typed back (backend.accounts.phone),
    so the walk-in dossiers of that number become the account's too."""
    now = utcnow()
    await User.update({User.phone_verified_at: now}).where(
        (User.id == user_id) & User.phone_verified_at.is_null()
    )
    await hooks.phone_proven(hooks.PhoneProven(user_id, phone, now))


async def _remember(person: Person, key: str, user_id: int, secret: str) -> None:
    number = person.personal_id
    now = utcnow()
    await OidcIdentity.insert(
        OidcIdentity(
            subject_key=key,
            issuer=person.issuer[:255],
            subject=person.subject[:255],
            user=user_id,
            personal_id_hash=personal_id_hash(number, secret) if number else None,
            personal_id_last4=number[-4:] if number else "",
            created_at=now,
            last_sign_in_at=now,
        )
    )
