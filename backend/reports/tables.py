"""Counters of the dossiers' life, one row per local day, agency, procedure and channel.

Kept in the same transaction as the event that changes them (backend.reports.counting), so
that the dashboard reads a few thousand rows for a year instead of a million dossiers, and
always equal to a recomputation from the events (`python -m backend.reports rebuild`; a
property test compares the two after random transitions).
"""

from __future__ import annotations

from piccolo.columns import Date, Integer, Serial, SmallInt
from piccolo.table import Table


class ReportDay(Table, tablename="report_day"):
    id: Serial  # implicit primary key, declared for type checkers
    # The local day of the event (Asia/Ho_Chi_Minh), the dossier's agency (the deciding body
    # from receipt on), procedure and channel (1 counter, 2 online, 3 post). Unique together
    # (a raw index in the migration: the upsert's conflict target).
    day = Date(index=True)
    agency = Integer(default=0)
    procedure = Integer(default=0)
    channel = SmallInt(default=0)
    received = Integer(default=0)
    # Decided with a result, judged against form 01's appointment (more than one supplement
    # request counts as late, DOMAIN.md).
    early = Integer(default=0)
    on_time = Integer(default=0)
    late = Integer(default=0)
    # Working days from receipt to the result, the citizen's supplement time removed.
    handling_days = Integer(default=0)
    refused = Integer(default=0)  # not received (form 03)
    stopped = Integer(default=0)  # form 05
    withdrawn = Integer(default=0)  # after receipt
    withdrawn_unreceived = Integer(default=0)
    supplement_requests = Integer(default=0)  # during processing
    second_supplements = Integer(default=0)
    apologies = Integer(default=0)
    electronic_results = Integer(default=0)
    returned_counter = Integer(default=0)
    returned_post = Integer(default=0)
    returned_electronic = Integer(default=0)


class ReportHandling(Table, tablename="report_handling"):
    """How many dossiers took exactly `days` working days (the median needs the spread)."""

    id: Serial  # implicit primary key, declared for type checkers
    day = Date(index=True)
    agency = Integer(default=0)
    procedure = Integer(default=0)
    days = Integer(default=0)
    dossiers = Integer(default=0)


class ReportMonth(Table, tablename="report_month"):
    """The same counters summed per month (`month` is its first day), kept by the same upsert
    as the day's, so that a year reads twelve rows per key instead of 365 (the dashboard at a
    million dossiers on SQLite, issue 13). Equal to the sum of the month's `report_day` rows,
    which a property test checks."""

    id: Serial  # implicit primary key, declared for type checkers
    month = Date(index=True)
    agency = Integer(default=0)
    procedure = Integer(default=0)
    channel = SmallInt(default=0)
    received = Integer(default=0)
    early = Integer(default=0)
    on_time = Integer(default=0)
    late = Integer(default=0)
    handling_days = Integer(default=0)
    refused = Integer(default=0)
    stopped = Integer(default=0)
    withdrawn = Integer(default=0)
    withdrawn_unreceived = Integer(default=0)
    supplement_requests = Integer(default=0)
    second_supplements = Integer(default=0)
    apologies = Integer(default=0)
    electronic_results = Integer(default=0)
    returned_counter = Integer(default=0)
    returned_post = Integer(default=0)
    returned_electronic = Integer(default=0)


class ReportMonthHandling(Table, tablename="report_month_handling"):
    """`report_handling` summed per month."""

    id: Serial  # implicit primary key, declared for type checkers
    month = Date(index=True)
    agency = Integer(default=0)
    procedure = Integer(default=0)
    days = Integer(default=0)
    dossiers = Integer(default=0)
