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
from backend.catalog.tables import Agency, Procedure, RequiredDocument


class Dossier(Table, tablename="dossier"):
    id: Serial  # implicit primary key, declared for type checkers
    # <unit code>-YYMMDD-XXXX, given at submission (Circular 01/2018 art. 19); NULL for drafts.
    code = Varchar(length=40, unique=True, null=True, default=None)
    procedure = ForeignKey(
        references=Procedure, null=False, on_delete=OnDelete.restrict, index=True
    )
    # Indexed: "my dossiers" and the claims look a citizen's dossiers up (issue 14).
    citizen = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    # 0 = draft (internal); 1..10 the national status codes (backend.dossiers.status).
    status = SmallInt(default=0, index=True)
    # The internal state (backend.dossiers.workflow.State); `status` is derived from it.
    state = Varchar(length=24, default="draft", index=True)
    # Bumped by every transition: the conditional update on it lets exactly one of two
    # officers acting at once succeed.
    version = Integer(default=0)
    # The agency responsible (from the procedure) and, while forwarded, the one holding it.
    agency = ForeignKey(
        references=Agency, null=True, default=None, on_delete=OnDelete.restrict, index=True
    )
    handling_agency = ForeignKey(
        references=Agency,
        null=True,
        default=None,
        on_delete=OnDelete.restrict,
        index=True,
    )
    assignee = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    channel = SmallInt(default=2)  # 1 in person, 2 online, 3 public postal service
    applicant_name = Varchar(length=120, default="")
    applicant_phone = Varchar(length=15, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    # The date shown now: the commitment, moved by supplement pauses and by an apology.
    appointment_date = Date(null=True, default=None)
    # The commitment printed on form 01 at receipt, moved only by supplement pauses (the clock
    # stood still), never by an apology (DOMAIN: the original appointment stays frozen; lateness
    # is judged against it).
    promised_date = Date(null=True, default=None)
    # Indexed: the register (form 07) and the reports read a period of receipts.
    received_at = Timestamptz(null=True, default=None, index=True)
    # Its number in the year (Vietnam time) of receipt's register (codes.next_register_number):
    # form 01's "số thứ tự", form 07's order. None until received (and for dossiers received
    # before the register was numbered).
    register_number = Integer(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None, index=True)  # reports' drill-downs
    # Set while waiting for the citizen's supplement: the deadline does not run meanwhile.
    paused_at = Timestamptz(null=True, default=None)
    supplement_count = SmallInt(default=0)
    # What the last supplement request asked for (JSON: reason, document ids), shown to the citizen.
    supplement_request = Text(default="")
    # Known to be late (a second supplement request, or past the appointment date).
    late = Boolean(default=False)
    # Decided when the dossier is finished (DOMAIN: on time = finished by the appointment date).
    on_time = Boolean(null=True, default=None)
    # The day the agency was last warned that the deadline is near (DUE_SOON_WORKING_DAYS).
    due_soon_alerted_on = Date(null=True, default=None)
    result_kind = Varchar(length=12, default="")  # paper | electronic
    delivery_method = Varchar(length=10, default="counter")  # counter | post
    recipient_name = Varchar(length=120, default="")
    recipient_phone = Varchar(length=15, default="")
    street = Varchar(length=200, default="")
    ward = Varchar(length=120, default="")
    # The ward's official code (backend.catalog.addresses), set when chosen from the list.
    ward_code = Varchar(length=10, default="")
    delivery_province = Varchar(length=60, default="")
    # "<citizen id>:<client key>": a retried API submission finds the dossier it already made.
    idempotency_key = Varchar(length=200, unique=True, null=True, default=None)


class DossierFile(Table, tablename="dossier_file"):
    id: Serial  # implicit primary key, declared for type checkers
    dossier = ForeignKey(references=Dossier, null=False, on_delete=OnDelete.cascade, index=True)
    document = ForeignKey(
        references=RequiredDocument,
        null=True,
        default=None,
        on_delete=OnDelete.set_null,
        index=True,
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
    # submitted (by the citizen or scanned at the counter) | supplement | result
    kind = Varchar(length=12, default="submitted")


class DossierEvent(Table, tablename="dossier_event"):
    """Append-only history of a dossier: what happened, when, by whom."""

    id: Serial  # implicit primary key, declared for type checkers
    dossier = ForeignKey(references=Dossier, null=False, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz()
    actor = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    actor_role = Varchar(length=20, default="")
    agency_code = Varchar(length=20, default="")
    action = Varchar(length=40)
    from_status = SmallInt(null=True, default=None)
    to_status = SmallInt()
    state_from = Varchar(length=24, default="")
    state_to = Varchar(length=24, default="")
    note = Text(default="")
    # JSON: the action's inputs (documents asked for, dates before/after, forwarded to...).
    data = Text(default="{}")
    # Tamper evidence: events form one chain, each hash covering its content and the
    # previous event's hash (backend.audit.chain, declared in backend.dossiers.events).
    # (Not UNIQUE: SQLite cannot add such a column; the audit head lock keeps it unique.)
    seq = Integer(null=True, default=None, index=True)
    prev_hash = Varchar(length=64, default="")
    hash = Varchar(length=64, default="")
    # Which secret key the hash is an HMAC under (backend.audit.keys); "" for the events
    # written before the keys existed, whose hash is a plain SHA-256.
    key_id = Varchar(length=16, default="")


class CodeSequence(Table, tablename="code_sequence"):
    """The last sequence number given for one unit and one day (the XXXX of a dossier code)."""

    id: Serial  # implicit primary key, declared for type checkers
    scope = Varchar(length=60, unique=True)  # "<unit code>-YYMMDD"
    last = Integer(default=0)


class SubmissionKey(Table, tablename="submission_key"):
    """An API submission's Idempotency-Key, claimed before anything is stored.

    The first request with a key claims it (a unique insert); the others wait and are given the
    answer it kept, so ten retries at once make one dossier with exactly the files sent once.
    """

    id: Serial  # implicit primary key, declared for type checkers
    key = Varchar(length=200, unique=True)  # "<user id>:<client key>"
    state = Varchar(length=8, default="running")  # running | done
    status_code = Integer(null=True, default=None)
    answer = Text(default="")  # the JSON body given to the first request
    claimed_at = Timestamptz()
