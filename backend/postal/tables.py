from __future__ import annotations

from piccolo.columns import (
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.accounts.tables import User
from backend.catalog.tables import PostOffice
from backend.dossiers.tables import Dossier


class PostalTariff(Table, tablename="postal_tariff"):
    """The fee a citizen pays the post, edited by an administrator and shown before confirming.

    One row per service: result delivery within the province or to another province, and
    collecting a paper dossier from the citizen's address.
    """

    id: Serial  # implicit primary key, declared for type checkers
    service = Varchar(length=30, unique=True)  # backend.postal.tariff.SERVICES
    fee_vnd = Integer(default=0)
    payment = Varchar(length=12, default="on_delivery")  # on_delivery | in_advance
    note = Varchar(length=300, default="")


class HandoverList(Table, tablename="postal_handover"):
    """The list of parcels the counter hands to a post office, signed off by both sides.

    The counter officer makes it with the count; the postal worker counts the parcels and
    confirms the same count on their phone; only then are the parcels "handed over".
    """

    id: Serial  # implicit primary key, declared for type checkers
    # Indexed: the courier's round lists the lists waiting for their office (issue 14).
    post_office = ForeignKey(
        references=PostOffice, null=False, on_delete=OnDelete.restrict, index=True
    )
    created_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    created_at = Timestamptz()
    parcel_count = Integer(default=0)
    confirmed_by = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    confirmed_at = Timestamptz(null=True, default=None)
    # Withdrawn by the counter before the post confirmed it (a parcel missing, a wrong count):
    # its parcels go back to the waiting list.
    cancelled_at = Timestamptz(null=True, default=None)


class Shipment(Table, tablename="postal_shipment"):
    """A dossier's paper result on its way by post; its steps are events of the dossier.

    The address is a copy of the citizen's choice, kept in step with it until the parcel is
    out for delivery, so that the courier always sees where it goes now.
    """

    id: Serial  # implicit primary key, declared for type checkers
    dossier = ForeignKey(references=Dossier, null=False, unique=True, on_delete=OnDelete.cascade)
    state = Varchar(length=20, default="created", index=True)  # lifecycle.ShipmentState
    # Bumped at every step: of two couriers confirming the same parcel, exactly one wins.
    version = Integer(default=0)
    # Indexed: the courier's round and the handover list read an office's or a list's parcels
    # (issue 14).
    post_office = ForeignKey(
        references=PostOffice, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    handover = ForeignKey(
        references=HandoverList, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    courier = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    attempts = SmallInt(default=0)
    max_attempts = SmallInt(default=3)
    recipient_name = Varchar(length=120, default="")
    recipient_phone = Varchar(length=15, default="")
    street = Varchar(length=200, default="")
    ward = Varchar(length=120, default="")
    ward_code = Varchar(length=10, default="", index=True)
    province = Varchar(length=60, default="")
    preferred_date = Date(null=True, default=None)
    fee_vnd = Integer(default=0)
    payment = Varchar(length=12, default="on_delivery")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)
    # Proof of delivery: who took it, their relation to the applicant, the last digits of
    # their ID, and a photo or an on-screen signature (a file in the content store).
    received_by = Varchar(length=120, default="")
    relation = Varchar(length=40, default="")
    id_last_digits = Varchar(length=6, default="")
    proof_sha256 = Varchar(length=64, default="")
    proof_extension = Varchar(length=8, default="")
    last_failure = Varchar(length=300, default="")


# Not "postal_pickup_handover": that is the name of the index on Pickup.handover.
class PickupHandover(Table, tablename="postal_paper_handover"):
    """The paper dossiers a postal worker brings to the center, signed off by both sides: the
    postal worker lists them with the count, the counter officer counts the envelopes and
    confirms the same number; only then may the counter receive them (the reverse of
    HandoverList, for results)."""

    id: Serial  # implicit primary key, declared for type checkers
    post_office = ForeignKey(
        references=PostOffice, null=False, on_delete=OnDelete.restrict, index=True
    )
    created_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    created_at = Timestamptz()
    dossier_count = Integer(default=0)
    confirmed_by = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    confirmed_at = Timestamptz(null=True, default=None)
    # Withdrawn by the postal worker before the center confirmed it (a wrong count).
    cancelled_at = Timestamptz(null=True, default=None)


class Pickup(Table, tablename="postal_pickup"):
    """A paper dossier collected at the citizen's address (nộp hồ sơ qua bưu chính, channel 3).

    The courier checks the papers against the procedure's list; the courier's confirmation and
    the citizen's signature on the courier's screen are both recorded.
    """

    id: Serial  # implicit primary key, declared for type checkers
    dossier = ForeignKey(references=Dossier, null=False, unique=True, on_delete=OnDelete.cascade)
    # booked | collected | handed_in (the center confirmed the envelope) | cancelled
    state = Varchar(length=20, default="booked", index=True)
    version = Integer(default=0)
    # Indexed: the courier's round reads the office's pickups (issue 14).
    post_office = ForeignKey(
        references=PostOffice, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    contact_name = Varchar(length=120, default="")
    contact_phone = Varchar(length=15, default="")
    street = Varchar(length=200, default="")
    ward = Varchar(length=120, default="")
    ward_code = Varchar(length=10, default="", index=True)
    province = Varchar(length=60, default="")
    preferred_date = Date(null=True, default=None)
    fee_vnd = Integer(default=0)
    payment = Varchar(length=12, default="on_delivery")
    created_at = Timestamptz()
    collected_at = Timestamptz(null=True, default=None)
    collected_by = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    # JSON: the required-document ids the courier checked as present.
    checked_documents = Text(default="[]")
    citizen_signature_sha256 = Varchar(length=64, default="")
    # The list the postal worker brought it to the center on, and when the center confirmed.
    handover = ForeignKey(
        references=PickupHandover,
        null=True,
        default=None,
        on_delete=OnDelete.restrict,
        index=True,
    )
    handed_in_at = Timestamptz(null=True, default=None)


class ConfirmationKey(Table, tablename="postal_confirmation_key"):
    """An idempotency key of a courier's confirmation and the answer it got.

    A phone replays its queue after a dead zone; a key seen before gets the same answer again
    and changes nothing.
    """

    id: Serial  # implicit primary key, declared for type checkers
    key = Varchar(length=80, unique=True)  # "<user id>:<client key>"
    at = Timestamptz()
    status_code = SmallInt(default=200)
    answer = Text(default="{}")
