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
    Varchar,
)
from piccolo.table import Table


class Agency(Table, tablename="agency"):
    id: Serial  # implicit primary key, declared for type checkers
    code = Varchar(length=20, unique=True)
    name = Varchar(length=200)
    # department (sở, ngành) | central (organised vertically) | enterprise
    kind = Varchar(length=20)
    note = Text(default="")


class Procedure(Table, tablename="procedure"):
    id: Serial  # implicit primary key, declared for type checkers
    # The demo catalog's own id ("P001"), so that reloading it updates rather than duplicates.
    catalog_id = Varchar(length=20, unique=True)
    national_code = Varchar(length=20, null=True, default=None)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict, index=True)
    name = Text()
    field = Varchar(length=120, default="")
    level = Text(default="")
    processing_days = Integer()
    processing_note = Text(default="")
    # Same-day procedures (certified copies, birth registration...) count a dossier received at
    # or after CUTOFF_TIME (15:00) from the next working day; the others start on the day of
    # receipt whatever the hour (the cut-off belongs to those procedures' own rules, e.g.
    # Decree 23/2015 art. 7 on certification, not to every procedure).
    same_day_cutoff = Boolean(default=False)
    # Decided by the commune People's Committee (two-tier government since 1/7/2025): the agency
    # above is the department that manages the field; the center transfers each dossier to the
    # committee of the applicant's commune at receipt (backend.catalog.communes).
    decided_by_commune = Boolean(default=False)
    # The approved internal procedure's time for two steps inside processing_days, in working
    # days (form 06 judges each step against it): the leader assigning a received dossier, and
    # signing a drafted result. The specialist's steps are judged against the appointment.
    assign_days = SmallInt(default=1)
    sign_days = SmallInt(default=1)
    # A fixed fee in đồng, or None with the rule in fee_text (fees set by the People's Council).
    fee_vnd = Integer(null=True, default=None)
    fee_text = Text(default="")
    online_level = Varchar(length=20)  # "toàn trình" | "một phần"
    # Comma-separated subset of counter, post, electronic, on-site.
    result_delivery = Varchar(length=60, default="counter")
    legal_basis = Text(default="")
    # Lower-case, without diacritics (see backend.lib.text.fold): what search matches against.
    search_text = Text(default="")
    active = Boolean(default=True)


class RequiredDocument(Table, tablename="required_document"):
    id: Serial  # implicit primary key, declared for type checkers
    procedure = ForeignKey(references=Procedure, null=False, on_delete=OnDelete.cascade, index=True)
    position = Integer()
    name = Text()
    notes = Text(default="")
    required = Boolean(default=True)


class Counter(Table, tablename="counter"):
    """A desk of the Bộ phận Một cửa; officers sit at one, kiosks and receipts name it."""

    id: Serial  # implicit primary key, declared for type checkers
    number = SmallInt(unique=True)
    name = Varchar(length=120, default="")
    active = Boolean(default=True)


class PostOffice(Table, tablename="post_office"):
    """A post office of the public postal service (bưu chính công ích) working with the center.

    Its staff collect results and deliver them, and may collect paper dossiers from citizens;
    they see only their own office's parcels.
    """

    id: Serial  # implicit primary key, declared for type checkers
    code = Varchar(length=20, unique=True)
    name = Varchar(length=200)
    address = Varchar(length=300, default="")
    phone = Varchar(length=15, default="")
    # Comma-separated ward codes it serves; empty = anywhere (the fallback office).
    ward_codes = Text(default="")
    active = Boolean(default=True)


class CalendarDay(Table, tablename="calendar_day"):
    """An administrator's correction to the public-holiday calendar.

    working=False: an extra day off; working=True: a swapped working day (e.g. a Saturday
    worked to bridge a holiday). The government announces these every year.
    """

    id: Serial  # implicit primary key, declared for type checkers
    day = Date(unique=True, default=None)
    working = Boolean(default=False)
    note = Varchar(length=200, default="")
