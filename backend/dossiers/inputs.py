"""What a person (or another domain) gives for an action, read from a page form or an API body."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.lib.files import StoredFile


@dataclass
class ActionInput:
    reason: str = ""
    documents: list[int] = field(default_factory=list)
    assignee: int | None = None
    agency: str = ""
    commune: str = ""  # a ward code: whose People's Committee decides (backend.catalog.communes)
    new_date: date | None = None
    reply_by: date | None = None
    result_kind: str = ""
    receiver_name: str = ""
    receiver_id: str = ""
    # Who the receiver is to the applicant (RECEIVERS) and, for an authorised person, the
    # written authorisation (number, date).
    receiver_relation: str = ""
    receiver_authorization: str = ""
    files: list[tuple[StoredFile, str]] = field(default_factory=list)  # (file, original name)
    # The version the person saw; None means "whatever is current" (API clients may omit it).
    expected_version: int | None = None
    # Filing: the channel (1 counter, 2 online, 3 post) and the checked delivery columns.
    channel: int | None = None
    columns: dict[Any, Any] = field(default_factory=dict)
    # Passed to the listeners untouched (e.g. the pickup booked with a channel-3 submission).
    extra: dict[str, Any] = field(default_factory=dict)
    # Added to the event's data, and the acting unit's code for the event (a post office),
    # by the domain running a system row.
    event_data: dict[str, Any] = field(default_factory=dict)
    place: str = ""
