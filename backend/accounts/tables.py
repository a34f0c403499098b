from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
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
    # Indexed: proving a phone finds the walk-in dossiers' holder accounts of that number.
    phone = Varchar(length=15, null=True, default=None, index=True)
    # When a code sent to `phone` was typed back (backend.accounts.phone_codes). NULL: not
    # proven (accounts made before codes existed, or a code not yet typed); such an account
    # sees only the dossiers it filed itself or claimed with a receipt's claim code.
    phone_verified_at = Timestamptz(null=True, default=None)
    citizen_id = Varchar(length=12, null=True, default=None)
    agency = ForeignKey(
        references=Agency, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    # The desk a counter officer sits at (printed on receipts, used by the kiosk).
    counter = ForeignKey(
        references=Counter, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    # The post office a postal worker belongs to: they see only its parcels.
    post_office = ForeignKey(
        references=PostOffice,
        null=True,
        default=None,
        on_delete=OnDelete.set_null,
        index=True,
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
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=8)  # "web" or "api"
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)
    # What the browser or app said it is at sign-in, so that a person recognises their devices
    # on "Thiết bị đã đăng nhập" (cut to 200 characters; shown, never trusted).
    user_agent = Varchar(length=200, default="")


class RateLimitCounter(Table, tablename="rate_limit_counter"):
    """Attempts of one key (a bucket and, e.g., an IP address) in one time window.

    Kept in the database so that a limit holds across several app processes; counted by one
    atomic upsert per attempt (backend.accounts.ratelimit).
    """

    id: Serial  # implicit primary key, declared for type checkers
    slot = Varchar(length=200, unique=True)  # "<bucket>:<key>:<window number>"
    key = Varchar(length=200, index=True)  # "<bucket>:<key>", to reset a key's windows
    hits = Integer(default=0, index=True)  # the busy keys are read back (ratelimit_buffered)
    expires_at = Timestamptz(index=True)


class PhoneCode(Table, tablename="phone_code"):
    """The one live code of a (purpose, phone): a new code replaces the previous one.

    Only an HMAC of the code (keyed with the app's secret, over purpose, phone and code) is
    kept, so neither a copy of the database nor a code of another purpose gives a usable code.
    """

    id: Serial  # implicit primary key, declared for type checkers
    slot = Varchar(length=40, unique=True)  # "<purpose>:<phone>"
    phone = Varchar(length=15)
    purpose = Varchar(length=12)  # verify | change | recover
    # The account the code was sent for (None for recovery: found by the phone when used).
    user = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.cascade, index=True
    )
    code_hash = Varchar(length=64)
    tries = Integer(default=0)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)


class SmsMessage(Table, tablename="sms_message"):
    """One text message to send, written in the transaction that makes it (a durable outbox).

    The text is kept encrypted (it holds a code) and wiped once sent, failed or expired;
    backend.accounts.sms claims due rows with a lease, sends them through the configured
    gateway and retries with backoff until the message expires.
    """

    id: Serial  # implicit primary key, declared for type checkers
    phone = Varchar(length=15)
    body = Text(default="")  # encrypted text, "" once no longer needed
    # pending | sending | sent | failed | expired
    state = Varchar(length=10, default="pending", index=True)
    attempts = Integer(default=0)
    available_at = Timestamptz(index=True)
    expires_at = Timestamptz()
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class OidcIdentity(Table, tablename="oidc_identity"):
    """A person as an OpenID provider (the national electronic identity, VNeID) knows them,
    linked to one citizen account (backend.accounts.oidc.linking).

    The personal ID number is not kept in full: an HMAC of it (keyed with the app's secret,
    so a copy of the database cannot be searched with a list of numbers) finds the account
    again when the provider asserts the same number under another subject, and the last four
    digits are enough for a person to recognise it.
    """

    id: Serial  # implicit primary key, declared for type checkers
    # SHA-256 of issuer + NUL + sub: one account per subject of one provider (Piccolo has no
    # UNIQUE over two columns).
    subject_key = Varchar(length=64, unique=True)
    issuer = Varchar(length=255)
    subject = Varchar(length=255)
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    personal_id_hash = Varchar(length=64, null=True, default=None, index=True)
    personal_id_last4 = Varchar(length=4, default="")
    created_at = Timestamptz()
    last_sign_in_at = Timestamptz()


class OidcLogin(Table, tablename="oidc_login"):
    """A sign-in sent to the provider and not yet come back: its `state` (kept as a SHA-256
    only), the `nonce` the ID token must carry and the PKCE verifier. Deleted when the browser
    comes back (a replayed `state` finds nothing) or when it expires."""

    id: Serial  # implicit primary key, declared for type checkers
    state_hash = Varchar(length=64, unique=True)
    issuer = Varchar(length=255)
    nonce = Varchar(length=64)
    code_verifier = Varchar(length=128)
    next_url = Varchar(length=500, default="")
    expires_at = Timestamptz(index=True)


class OidcSession(Table, tablename="oidc_session"):
    """The ID token a web session was opened with, kept for the provider's sign-out
    (`id_token_hint`); it ends with the session."""

    id: Serial  # implicit primary key, declared for type checkers
    session = ForeignKey(
        references=AuthSession, null=False, on_delete=OnDelete.cascade, index=True, unique=True
    )
    issuer = Varchar(length=255)
    id_token = Text()
