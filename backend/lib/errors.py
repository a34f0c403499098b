"""Errors a person can understand.

A service raises `UserError` with a Vietnamese message id (marked with `N_`) and optional
parameters; the page or API that shows it translates the id and fills in the parameters with
`str.format`, so one message serves both languages.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Something the user can fix; `field` names the form field it belongs beside."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params

    def render(self, gettext: Any = None) -> str:
        text = gettext(self.message) if gettext else self.message
        if not self.params:
            return text
        # Parameters that are themselves message ids (a step's or an action's name) are
        # translated too; names and numbers pass through unchanged.
        params = {
            k: gettext(v) if gettext and isinstance(v, str) else v for k, v in self.params.items()
        }
        return text.format(**params)


class NotFound(UserError):
    status_code = 404


class Forbidden(UserError):
    status_code = 403


class Conflict(UserError):
    status_code = 409


class TooManyRequests(UserError):
    status_code = 429


class FormErrors(UserError):
    """Several field errors at once, so that a form shows them all in one go."""

    status_code = 422

    def __init__(self, errors: list[UserError]) -> None:
        first = errors[0]
        super().__init__(first.message, field=first.field, **first.params)
        self.errors = errors

    def by_field(self, gettext: Any = None) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.errors:
            out.setdefault(e.field or "_", e.render(gettext))
        return out
