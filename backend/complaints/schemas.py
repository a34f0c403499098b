"""What the complaint pages read from forms and query strings: the filing form, a handler's
step, the filer's reply and vote, the lookup by code and phone number.

The fields are read with lib.forms' helpers (`first`, `to_int`) but not with `decode`: every
check of a complaint, each with its precise Vietnamese message, belongs to
backend.complaints.filing and backend.complaints.handling, which report all the problems of a
form at once; and `decode` folds the spaces of a one-line text, while a complaint is kept as
it was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from backend.lib.files import StoredFile
from backend.lib.forms import RawForm, first, to_int

# What the pages keep of a code or a phone number typed in a query string or a hidden field
# (the code "PAKN-YYMMDD-XXXX" and the lookup of dossiers are shorter).
CODE_LENGTH = 40
PHONE_LENGTH = 20


@dataclass
class Filing:
    """What the complaint form sent, as typed."""

    kind: str = ""
    conduct: str = ""
    content: str = ""
    name: str = ""
    phone: str = ""
    dossier_id: str = ""  # a signed-in citizen's choice among their dossiers
    dossier_code: str = ""  # typed by anyone else
    agency: str = ""  # "", CENTER or an agency id
    official_id: str = ""
    official_name: str = ""


@dataclass
class StepInput:
    """A step of the workflow as sent: by a handler (staff form) or by the filer (reply)."""

    text: str = ""  # the reason, question, reply or answer
    public_question: str = ""
    public_answer: str = ""
    files: list[tuple[StoredFile, str]] = field(default_factory=list)
    # The complaint's version the page was drawn from (None: take the step without checking).
    expected_version: int | None = None


@dataclass(frozen=True)
class Lookup:
    """A complaint's code and the phone number it was filed with (the track form)."""

    code: str
    phone: str


def code_of(raw: str) -> str:
    """A complaint or dossier code as people type it: any case, spaces around."""
    return (raw or "").strip().upper()[:CODE_LENGTH]


def phone_of(raw: str) -> str:
    """The phone number carried by a filer's links and forms (checked by access.for_filer)."""
    return (raw or "")[:PHONE_LENGTH]


def read_filing(data: RawForm) -> Filing:
    return Filing(**{f.name: first(data, f.name) for f in fields(Filing)})


def read_step(data: RawForm) -> StepInput:
    """A handler's step form (backend.complaints.pages.staff)."""
    return StepInput(
        text=first(data, "text"),
        public_question=first(data, "public_question"),
        public_answer=first(data, "public_answer"),
        expected_version=to_int(first(data, "expected_version")),
    )


def read_reply(data: RawForm, files: list[tuple[StoredFile, str]]) -> StepInput:
    """The filer's answer to the handler's question, with the files already accepted."""
    return StepInput(
        text=first(data, "reply"),
        files=files,
        expected_version=to_int(first(data, "expected_version")),
    )


def read_lookup(code: str, phone: str) -> Lookup:
    return Lookup(code=code_of(code), phone=phone_of(phone))


def read_vote(data: RawForm) -> bool:
    """The filer's opinion of the published answer: "1" is useful, anything else is not."""
    return first(data, "useful") == "1"
