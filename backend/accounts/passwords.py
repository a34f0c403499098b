"""Password and PIN hashing with argon2id.

Production uses argon2-cffi's defaults (RFC 9106's second recommendation: 3 passes over 64 MiB,
~0.26 s a hash on the project's 2-core machines), which is what makes a stolen database slow to
crack. The test suite signs in thousands of times, so `PASSWORD_HASH_COST=test` selects
parameters a thousand times cheaper; a hash made with them is rehashed at production cost on
the next sign-in once the setting is gone (`needs_rehash`).
"""

from __future__ import annotations

import logging
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from backend.settings import get_settings

PRODUCTION = PasswordHasher()
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

log = logging.getLogger("motcua")


@cache
def hasher() -> PasswordHasher:
    if get_settings().password_hash_cost == "test":
        log.warning("PASSWORD_HASH_COST=test: passwords are hashed cheaply (tests only)")
        return CHEAP
    return PRODUCTION


@cache
def dummy_hash() -> str:
    """Checked when a login does not exist, so that a wrong login takes as long as a wrong
    password and does not tell which logins exist."""
    return hasher().hash(secrets.token_hex(8))


def hash_secret(secret: str) -> str:
    return hasher().hash(secret)


def matches(stored: str | None, secret: str) -> bool:
    """Whether `secret` matches `stored` (None: check against the dummy, then say no)."""
    try:
        return hasher().verify(stored or dummy_hash(), secret) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return hasher().check_needs_rehash(stored)


# Guessed first by anyone trying passwords: the 30,000 most common ones of leaked password
# lists (shipped with zxcvbn, MIT licence) and a few Vietnamese favourites they miss.
VIETNAMESE_COMMON = frozenset(
    {
        "matkhau",
        "matkhau1",
        "matkhau12",
        "matkhau123",
        "matkhau@123",
        "motcua123",
        "emyeuanh",
        "anhyeuem123",
        "vietnam123",
        "hanoi123",
        "saigon123",
        "12345678a",
        "123456aa",
        "1234567890",
        "0123456789",
    }
)


@cache
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"]) | VIETNAMESE_COMMON


def is_common(password: str, login: str = "") -> bool:
    """A password found in the lists above, or the login (the phone number) itself."""
    folded = password.strip().lower()
    return folded in _common() or (bool(login) and folded == login.strip().lower())
