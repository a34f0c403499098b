from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.catalog.tables import Agency, Counter, PostOffice


class User(Table, tablename="app_user"):
    id: Serial  # implicit primary key, declared for type checkers
    # Citizens log in with their phone number (normalised to 0xxxxxxxxx); staff with a login name.
    login = Varchar(length=64, unique=True)
    password_hash = Varchar(length=200)
    full_name = Varchar(length=120)
    role = Varchar(length=20, index=True)
    phone = Varchar(length=15, null=True, default=None)
    citizen_id = Varchar(length=12, null=True, default=None)
    agency = ForeignKey(references=Agency, null=True, default=None, on_delete=OnDelete.set_null)
    # The desk a counter officer sits at (printed on receipts, used by the kiosk).
    counter = ForeignKey(references=Counter, null=True, default=None, on_delete=OnDelete.set_null)
    # The post office a postal worker belongs to: they see only its parcels.
    post_office = ForeignKey(
        references=PostOffice, null=True, default=None, on_delete=OnDelete.set_null
    )
    active = Boolean(default=True)
    created_at = Timestamptz()


class AuthSession(Table, tablename="auth_session"):
    """A signed-in browser (cookie) or API client (bearer token).

    Only the SHA-256 of the token is stored, so a database leak gives no usable session.
    A row is created at login (a new id every time) and deleted at logout; anonymous visitors
    have none.
    """

    id: Serial  # implicit primary key, declared for type checkers
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=8)  # "web" or "api"
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)


class RateLimitCounter(Table, tablename="rate_limit_counter"):
    """Attempts of one key (a bucket and, e.g., an IP address) in one time window.

    Kept in the database so that a limit holds across several app processes; counted by one
    atomic upsert per attempt (backend.accounts.ratelimit).
    """

    id: Serial  # implicit primary key, declared for type checkers
    slot = Varchar(length=200, unique=True)  # "<bucket>:<key>:<window number>"
    key = Varchar(length=200, index=True)  # "<bucket>:<key>", to reset a key's windows
    hits = Integer(default=0)
    expires_at = Timestamptz(index=True)
