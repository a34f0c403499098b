"""What the rating forms and the kiosk's script send.

The forms are read with `lib.forms.read`; the checks that keep their precise Vietnamese
messages stay with the rules that own them (a level is checked against the scale in use by
`ratings.scale.parse_level`, a PIN by `ratings.kiosk`). The kiosk's vote is a JSON body that
Litestar reads into `KioskVote`.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.lib.forms import RawForm, first, form_rule, rule, to_int
from backend.ratings.scale import CRITERIA


@dataclass
class RatingTap:
    """The one tap on the dossier page. Anything but a number is None, which the scale
    refuses with "Chọn một mức đánh giá."."""

    level: int | None = rule(to_int)


def criteria_answers(data: RawForm) -> dict[str, str]:
    """The optional criteria, sent as c_<criterion> radios ("good" or "bad"; others are
    dropped by ratings.services)."""
    return {key: first(data, f"c_{key}") for key in CRITERIA}


@dataclass
class RatingDetails:
    # The comment is taken as sent: ratings.services trims it and keeps 2,000 characters.
    comment: str = rule(str, default="")
    criteria: dict[str, str] | None = form_rule(criteria_answers)  # noqa: RUF009 (a field)


@dataclass
class KioskSetup:
    """A PIN is checked as typed (4 to 8 digits, both entries equal) by ratings.kiosk."""

    pin: str = rule(str, default="")
    pin_again: str = rule(str, default="")


@dataclass
class KioskExit:
    pin: str = rule(str, default="")


def chosen_levels(data: RawForm) -> int | None:
    """The scale chosen on the admin page (5 when the form sends none); None for anything
    unusable, which leaves the scale as it was."""
    return to_int(first(data, "levels", "5"))


@dataclass
class ScaleChoice:
    levels: int | None = form_rule(chosen_levels)


@dataclass
class KioskVote:
    """One tap on the kiosk, as /static/js/kiosk.js queues and sends it."""

    level: int
    # Made by the tablet for each tap, so that a vote re-sent after a network blip counts once.
    key: str = ""
    # When the face was tapped, by the tablet's clock. Not used: the vote counts at the time it
    # reaches the server (the officer on duty then gets it).
    at: str = ""


@dataclass
class RatingBody:
    """A citizen's rating of their dossier, once its result is handed over (or made available
    in their account). `level`: 1 (worst) to the scale's top (5, or 3 when the center uses
    three faces); `criteria`: optional, e.g. {"timeliness": "good", "attitude": "bad"} (keys: timeliness, attitude, guidance, trips; values good or bad; others are ignored); `comment`:
    optional, kept to 2,000 characters. A rating can be changed for 7 days."""

    level: int
    criteria: dict[str, str] | None = None
    comment: str | None = None
