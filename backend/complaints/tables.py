"""Complaints and feedback (phản ánh, kiến nghị): the complaint, its attachments, its history
and the filer's opinion of the published answer."""

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
from backend.catalog.tables import Agency
from backend.dossiers.tables import Dossier


class Complaint(Table, tablename="complaint"):
    id: Serial  # implicit primary key, declared for type checkers
    # PAKN-YYMMDD-XXXX: the receipt day (local time) and its order within that day.
    code = Varchar(length=40, unique=True)
    # policy (quy định, chính sách, thủ tục) | conduct (hành vi của cán bộ, công chức)
    kind = Varchar(length=12)
    # For conduct only: harassment | extra_fee | delay | other (backend.complaints.kinds).
    conduct = Varchar(length=12, default="")
    # backend.complaints.workflow.State
    state = Varchar(length=16, default="received", index=True)
    # Bumped by every step: of two handlers acting at once, exactly one wins.
    version = Integer(default=0)
    # The signed-in citizen who filed it; NULL when filed by name and phone number only.
    filer = ForeignKey(
        references=User, null=True, default=None, index=True, on_delete=OnDelete.set_null
    )
    filer_name = Varchar(length=120)
    filer_phone = Varchar(length=15, index=True)
    dossier = ForeignKey(
        references=Dossier, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    # NULL: not about one agency (or about the center's own counter); only the manager handles it.
    agency = ForeignKey(
        references=Agency, null=True, default=None, index=True, on_delete=OnDelete.set_null
    )
    # The complaint is about the center's counter (Bộ phận Một cửa), not an agency.
    about_center = Boolean(default=False)
    official = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    official_name = Varchar(length=120, default="")
    content = Text()
    received_at = Timestamptz(index=True)  # the reports count complaints by period
    # Target dates in working days (DOMAIN: rejected within 2, information asked within 5,
    # answered within 15 of receipt, published within 2 after answering). Stored, like a
    # dossier's appointment date, and moved by the working days spent waiting for the filer.
    accept_due = Date(default=None)
    info_due = Date(default=None)
    answer_due = Date(default=None)
    publish_due = Date(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)  # accepted or rejected
    reject_reason = Text(default="")
    # While waiting for the filer's information: when it started and which state to go back to.
    paused_at = Timestamptz(null=True, default=None)
    resume_state = Varchar(length=16, default="")
    info_requested_at = Timestamptz(null=True, default=None)  # the first request
    info_request = Text(default="")
    info_reply = Text(default="")
    answer = Text(default="")
    answered_at = Timestamptz(null=True, default=None, index=True)
    # What the public page shows: the question and the answer without personal data, fixed
    # when published (backend.complaints.redaction).
    public_question = Text(default="")
    public_answer = Text(default="")
    published_at = Timestamptz(null=True, default=None, index=True)


class ComplaintFile(Table, tablename="complaint_file"):
    """An attachment, kept in the content-addressed store like a dossier's pages."""

    id: Serial  # implicit primary key, declared for type checkers
    # Indexed: a complaint's page lists its files (issue 14).
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.cascade, index=True)
    # filed (with the complaint) | info (with the filer's additional information)
    kind = Varchar(length=8, default="filed")
    sha256 = Varchar(length=64, index=True)
    extension = Varchar(length=8)
    content_type = Varchar(length=40)
    size = Integer()
    original_name = Varchar(length=200, default="")
    has_thumbnail = Boolean(default=False)
    uploaded_at = Timestamptz()


class ComplaintEvent(Table, tablename="complaint_event"):
    """Append-only history of a complaint: each step, who took it and when."""

    id: Serial  # implicit primary key, declared for type checkers
    # Indexed: a complaint's page shows its history, /pakn who answered each (issue 14).
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.cascade, index=True)
    at = Timestamptz()
    actor = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    actor_role = Varchar(length=20, default="")  # a Role, or "filer"
    action = Varchar(length=20)
    state_from = Varchar(length=16, default="")
    state_to = Varchar(length=16)
    note = Text(default="")


class ComplaintVote(Table, tablename="complaint_vote"):
    """The filer's opinion of the published answer: one per complaint, changeable."""

    id: Serial  # implicit primary key, declared for type checkers
    complaint = ForeignKey(
        references=Complaint, null=False, unique=True, on_delete=OnDelete.cascade
    )
    useful = Boolean()
    voted_at = Timestamptz()
    changes = SmallInt(default=0)
