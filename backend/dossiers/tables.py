from __future__ import annotations

from piccolo.columns import (
    Boolean,
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
from backend.catalog.tables import Procedure, RequiredDocument


class Dossier(Table, tablename="dossier"):
    id: Serial  # implicit primary key, declared for type checkers
    # <unit code>-YYMMDD-XXXX, given at submission (Circular 01/2018 art. 19); NULL for drafts.
    code = Varchar(length=40, unique=True, null=True, default=None)
    procedure = ForeignKey(references=Procedure, null=False, on_delete=OnDelete.restrict)
    citizen = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    # 0 = draft (internal); 1..10 the national status codes (backend.dossiers.status).
    status = SmallInt(default=0, index=True)
    channel = SmallInt(default=2)  # 1 in person, 2 online, 3 public postal service
    applicant_name = Varchar(length=120, default="")
    applicant_phone = Varchar(length=15, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    appointment_date = Date(null=True, default=None)
    delivery_method = Varchar(length=10, default="counter")  # counter | post
    recipient_name = Varchar(length=120, default="")
    recipient_phone = Varchar(length=15, default="")
    street = Varchar(length=200, default="")
    ward = Varchar(length=120, default="")
    delivery_province = Varchar(length=60, default="")
    # "<citizen id>:<client key>": a retried API submission finds the dossier it already made.
    idempotency_key = Varchar(length=200, unique=True, null=True, default=None)


class DossierFile(Table, tablename="dossier_file"):
    id: Serial  # implicit primary key, declared for type checkers
    dossier = ForeignKey(references=Dossier, null=False, on_delete=OnDelete.cascade)
    document = ForeignKey(
        references=RequiredDocument, null=True, default=None, on_delete=OnDelete.set_null
    )
    sha256 = Varchar(length=64, index=True)
    extension = Varchar(length=8)
    content_type = Varchar(length=40)
    size = Integer()
    original_name = Varchar(length=200, default="")
    width = Integer(null=True, default=None)
    height = Integer(null=True, default=None)
    has_thumbnail = Boolean(default=False)
    uploaded_at = Timestamptz()


class DossierEvent(Table, tablename="dossier_event"):
    """Append-only history of a dossier: what happened, when, by whom."""

    id: Serial  # implicit primary key, declared for type checkers
    dossier = ForeignKey(references=Dossier, null=False, on_delete=OnDelete.cascade)
    at = Timestamptz()
    actor = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    actor_role = Varchar(length=20, default="")
    agency_code = Varchar(length=20, default="")
    action = Varchar(length=40)
    from_status = SmallInt(null=True, default=None)
    to_status = SmallInt()
    note = Text(default="")


class CodeSequence(Table, tablename="code_sequence"):
    """The last sequence number given for one unit and one day (the XXXX of a dossier code)."""

    id: Serial  # implicit primary key, declared for type checkers
    scope = Varchar(length=60, unique=True)  # "<unit code>-YYMMDD"
    last = Integer(default=0)
