from __future__ import annotations

from piccolo.columns import (
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
    recipient = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    dossier = ForeignKey(references=Dossier, null=True, default=None, on_delete=OnDelete.cascade)
    kind = Varchar(length=40)  # e.g. dossier.received, dossier.supplement_requested
    title = Varchar(length=200)
    body = Text(default="")
    url = Varchar(length=300, default="")
    created_at = Timestamptz(index=True)
    read_at = Timestamptz(null=True, default=None)


class OutboxItem(Table, tablename="outbox_item"):
    """One delivery still to make (push to the recipient's devices). The sender comes later."""

    id: Serial  # implicit primary key, declared for type checkers
    notification = ForeignKey(references=Notification, null=False, on_delete=OnDelete.cascade)
    channel = Varchar(length=12, default="push")
    state = Varchar(length=12, default="pending", index=True)  # pending | sent | failed
    attempts = Integer(default=0)
    available_at = Timestamptz(index=True)
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
