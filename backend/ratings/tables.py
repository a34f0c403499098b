from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    OnDelete,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.accounts.tables import User
from backend.catalog.tables import Agency, Counter
from backend.dossiers.tables import Dossier


class RatingScale(Table, tablename="rating_scale"):
    """The satisfaction scale in use (one row), chosen by an administrator: 5 or 3 levels."""

    id: Serial  # implicit primary key, declared for type checkers
    levels = SmallInt(default=5)
    updated_at = Timestamptz()


class KioskDevice(Table, tablename="kiosk_device"):
    """A counter tablet in kiosk mode, known by a secret kept in its cookie (hashed here).

    A staff PIN, set when the tablet is put in kiosk mode, is needed to leave it.
    """

    id: Serial  # implicit primary key, declared for type checkers
    token_hash = Varchar(length=64, unique=True)
    counter = ForeignKey(references=Counter, null=False, on_delete=OnDelete.cascade, index=True)
    created_by = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    pin_hash = Varchar(length=200)
    created_at = Timestamptz()
    active = Boolean(default=True)


class CounterDuty(Table, tablename="counter_duty"):
    """Who sat at a counter and when: a kiosk vote goes to the officer on duty at that moment.

    Opened when a counter officer signs in, closed when they sign out or another officer
    signs in at the same counter.
    """

    id: Serial  # implicit primary key, declared for type checkers
    counter = ForeignKey(references=Counter, null=False, on_delete=OnDelete.cascade, index=True)
    officer = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade, index=True)
    started_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)


class Rating(Table, tablename="rating"):
    """One satisfaction vote: a citizen's rating of their dossier, or an anonymous kiosk tap.

    `level` counts from 1 (worst) to `scale` (best), so that 5- and 3-level votes can be read
    side by side; `satisfied` (the top two levels) is what the national scorecard counts.
    """

    id: Serial  # implicit primary key, declared for type checkers
    source = Varchar(length=8, index=True)  # dossier | kiosk
    # One rating per dossier (changeable for a while); NULL for kiosk votes.
    dossier = ForeignKey(
        references=Dossier, null=True, default=None, unique=True, on_delete=OnDelete.cascade
    )
    scale = SmallInt(default=5)
    level = SmallInt()
    satisfied = Boolean(default=True)
    # JSON: optional criteria ({"timeliness": "good" | "bad", ...}); see ratings.scale.CRITERIA.
    criteria = Text(default="{}")
    comment = Text(default="")
    counter = ForeignKey(
        references=Counter, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    officer = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    agency = ForeignKey(
        references=Agency, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    device = ForeignKey(
        references=KioskDevice,
        null=True,
        default=None,
        on_delete=OnDelete.set_null,
        index=True,
    )
    # A kiosk's "<device id>:<client key>": a vote replayed after a network blip counts once.
    client_key = Varchar(length=100, unique=True, null=True, default=None)
    created_at = Timestamptz(index=True)
    updated_at = Timestamptz()
