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

from backend.accounts.tables import User
from backend.dossiers.tables import Dossier


class Notification(Table, tablename="notification"):
    """A message to one person: shown in the in-app inbox and sent as push by the outbox.

    Written in the same transaction as the event that causes it, so none is ever lost.
    """

    id: Serial  # implicit primary key, declared for type checkers
    # Indexed: the bell counts a person's unread messages on every page view, the inbox lists
    # them; deleting a dossier or an account finds its messages.
    recipient = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    dossier = ForeignKey(
        references=Dossier, null=True, default=None, on_delete=OnDelete.cascade, index=True
    )
    kind = Varchar(length=40)  # e.g. dossier.received, dossier.supplement_requested
    title = Varchar(length=200)
    body = Text(default="")
    url = Varchar(length=300, default="")
    created_at = Timestamptz(index=True)
    read_at = Timestamptz(null=True, default=None)


class PushSubscription(Table, tablename="push_subscription"):
    """One device (browser) of one person that accepts Web Push messages.

    One row per endpoint per account: two people who sign in on one shared browser both keep
    their row. The unique index `push_subscription_user_endpoint` on (user, endpoint) is made
    by the notifications migration of 2026-12-05 (raw SQL: a Piccolo `Unique` constraint
    would be ALTER TABLE ... ADD CONSTRAINT, which SQLite lacks); it also serves the lookups
    of a person's devices.
    """

    id: Serial  # implicit primary key, declared for type checkers
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    # Indexed: a push service's 404/410 removes every account's row for that endpoint.
    endpoint = Text(index=True)
    p256dh = Varchar(length=200)
    auth = Varchar(length=100)
    user_agent = Varchar(length=300, default="")
    created_at = Timestamptz()
    last_success_at = Timestamptz(null=True, default=None)


class OutboxItem(Table, tablename="outbox_item"):
    """One delivery still to make: a notification to one device of its recipient.

    Written in the transaction that causes the notification; the sender worker claims rows
    with a lease (claimed_until), so a crashed worker's claim expires and another sends it.
    The sender records "sending" (and counts the attempt) just before it posts the message and
    the outcome just after, so a crash repeats at most the messages that were in flight.
    """

    id: Serial  # implicit primary key, declared for type checkers
    notification = ForeignKey(
        references=Notification, null=False, on_delete=OnDelete.cascade, index=True
    )
    channel = Varchar(length=12, default="push")
    # pending | sending | sent | failed | gone
    state = Varchar(length=12, default="pending", index=True)
    attempts = Integer(default=0)
    available_at = Timestamptz(index=True)
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    # Indexed: removing a device sets its rows' subscription to NULL.
    subscription = ForeignKey(
        references=PushSubscription,
        null=True,
        default=None,
        on_delete=OnDelete.set_null,
        index=True,
    )
    # The push service's last answer (201 delivered, 404/410 gone, 429/5xx retried...).
    status_code = Integer(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)


class NotificationPreference(Table, tablename="notification_preference"):
    """A category a person turned off (only optional ones can be; see categories.py)."""

    id: Serial  # implicit primary key, declared for type checkers
    user = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    category = Varchar(length=40)
    enabled = Boolean(default=False)
