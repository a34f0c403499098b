"""Reading a form into a dataclass, with every error in Vietnamese beside its field.

One decoder for url-encoded bodies (`data: FormData` in a handler, backend.lib.web), streamed
multipart forms
(`ReceivedForm.fields`) and JSON objects, so that a page and the API read the same input the
same way:

    @dataclass
    class CounterInput:
        name: str = text(max_length=120, required=N_("Vui lòng nhập tên quầy."))
        agency: int | None = None
        active: bool = False

    counter = decode(CounterInput, data)   # raises FormErrors listing every wrong field

Fields are read by their type: `str` (whitespace trimmed; `text()` sets a maximum length and a
message when empty), `int` and `int | None` (`number()` sets a range), `date | None`
(yyyy-mm-dd, as `<input type=date>` sends it, or dd/mm/yyyy as people type it), `bool`
(a checkbox: sent with a value other than "", "0", "false", "off" is True), `list[int]` and
`list[str]` (repeated fields, e.g. several checkboxes of one name). A missing field takes the
dataclass default. A field declared with `rule(check)` is read by the domain's own function,
which keeps its precise message (a login's format, a fee written "25.000"); `read` and
`attempt` read both kinds and report every wrong field at once.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar, Union

from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import N_

RawForm = Mapping[str, Any]
T = TypeVar("T")

DEFAULT_MAX_LENGTH = 2000
TOO_LONG = N_("Nội dung quá dài (tối đa {limit} ký tự).")
NOT_A_NUMBER = N_("Vui lòng nhập một số.")
OUT_OF_RANGE = N_("Vui lòng nhập một số từ {low} đến {high}.")
NOT_A_DATE = N_("Ngày không hợp lệ. Vui lòng chọn hoặc ghi theo dạng ngày/tháng/năm.")
NOT_A_CHOICE = N_("Vui lòng chọn một mục trong danh sách.")


def text(
    *, max_length: int = DEFAULT_MAX_LENGTH, required: str | None = None, default: str = ""
) -> Any:
    """A text field: `required` is the message shown when it is left empty."""
    return dataclasses.field(
        default=default, metadata={"max_length": max_length, "required": required}
    )


def number(
    *,
    low: int | None = None,
    high: int | None = None,
    required: str | None = None,
    default: int | None = None,
) -> Any:
    return dataclasses.field(
        default=default, metadata={"low": low, "high": high, "required": required}
    )


def choice(options: Mapping[str, Any] | tuple[str, ...], *, required: str | None = None) -> Any:
    """A text field whose value must be one of `options` (an empty value is "" unless
    `required`)."""
    return dataclasses.field(default="", metadata={"options": tuple(options), "required": required})


def first(data: RawForm, key: str, default: str = "") -> str:
    """One value of a field (the first, when it was sent several times)."""
    value = data.get(key, default)
    if isinstance(value, list):
        value = value[0] if value else default
    return default if value is None else str(value)


def all_of(data: RawForm, key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def values_of(data: RawForm, *secret: str) -> dict[str, Any]:
    """What to show again in a refused form: the values as sent, never a password or the
    CSRF token."""
    skip = {"_csrf_token", *secret}
    return {k: (v if isinstance(v, list) else str(v)) for k, v in data.items() if k not in skip}


def to_int(raw: Any) -> int | None:
    """An integer, or None for anything else (ids in query strings, optional numbers)."""
    text_value = str(raw if raw is not None else "").strip()
    try:
        return int(text_value)
    except ValueError:
        return None


def to_date(raw: Any) -> date | None:
    text_value = str(raw if raw is not None else "").strip()
    if not text_value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text_value, pattern).date()
        except ValueError:
            continue
    raise ValueError(text_value)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap_optional(kind: Any) -> tuple[Any, bool]:
    if typing.get_origin(kind) in (Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return kind, False


def _read_field(f: dataclasses.Field[Any], kind: Any, data: RawForm) -> Any:
    meta = f.metadata
    base, optional = _unwrap_optional(kind)
    present = f.name in data
    if typing.get_origin(base) is list:
        (item,) = typing.get_args(base)
        raw_items = [v.strip() for v in all_of(data, f.name) if v.strip()]
        if item is int:
            numbers = [to_int(v) for v in raw_items]
            if any(n is None for n in numbers):
                raise UserError(NOT_A_CHOICE, field=f.name)
            return numbers
        return raw_items
    if base is bool:
        # A ticked checkbox sends its value ("on" by default); an empty, "0" or "false" value
        # (a hidden input before the box, a JSON false) is not ticked.
        value = first(data, f.name).strip().lower()
        return present and value not in ("", "0", "false", "off")
    if not present:
        if meta.get("required"):
            raise UserError(meta["required"], field=f.name)
        if f.default is not dataclasses.MISSING:
            return f.default
        if f.default_factory is not dataclasses.MISSING:
            return f.default_factory()
        return None
    raw = first(data, f.name).strip()
    if not raw:
        if meta.get("required"):
            raise UserError(meta["required"], field=f.name)
        if base is str:
            return ""
        if optional:
            return None
        return f.default if f.default is not dataclasses.MISSING else None
    if base is str:
        value = " ".join(raw.split()) if "\n" not in raw else raw
        limit = meta.get("max_length", DEFAULT_MAX_LENGTH)
        if len(value) > limit:
            raise UserError(TOO_LONG, field=f.name, limit=limit)
        options = meta.get("options")
        if options is not None and value not in options:
            raise UserError(NOT_A_CHOICE, field=f.name)
        return value
    if base is int:
        value_int = to_int(raw)
        if value_int is None:
            raise UserError(NOT_A_NUMBER, field=f.name)
        low, high = meta.get("low"), meta.get("high")
        if (low is not None and value_int < low) or (high is not None and value_int > high):
            raise UserError(OUT_OF_RANGE, field=f.name, low=low, high=high)
        return value_int
    if base is date:
        try:
            return to_date(raw)
        except ValueError:
            raise UserError(NOT_A_DATE, field=f.name) from None
    raise TypeError(f"lib.forms cannot read a field of type {kind!r} ({f.name})")


def decode(cls: type[T], data: RawForm) -> T:
    """An instance of the dataclass `cls` from the form's fields, or FormErrors with one
    message per wrong field."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = _hints(cls)
    values: dict[str, Any] = {}
    errors: list[UserError] = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        try:
            values[f.name] = _read_field(f, hints[f.name], data)
        except UserError as e:
            errors.append(e)
    if errors:
        raise FormErrors(errors)
    return cls(**values)


# --- fields read by a domain's own rule ------------------------------------------------------

Rule = Callable[[str], Any]
FormRule = Callable[[RawForm], Any]


def rule(check: Rule, *, default: Any = None) -> Any:
    """A field read by `check(text as sent)`, which returns its value or raises UserError."""
    return dataclasses.field(init=False, default=default, metadata={"rule": check})


def form_rule(check: FormRule, *, default: Any = None) -> Any:
    """A field read from the whole form (several checkboxes, or a rule about two fields)."""
    return dataclasses.field(init=False, default=default, metadata={"form_rule": check})


def one_line(*, max_length: int, required: str | None = None) -> Any:
    """Text kept on one line even when typed in a textarea (a name pasted with line breaks)."""

    def check(raw: str) -> str:
        value = " ".join(raw.split())
        if not value and required:
            raise UserError(required)
        if len(value) > max_length:
            raise UserError(TOO_LONG, limit=max_length)
        return value

    return rule(check, default="")


def tidy_lines(raw: str) -> str:
    """Free text that keeps its line breaks, each line's spaces tidied."""
    lines = [" ".join(line.split()) for line in raw.strip().splitlines()]
    return "\n".join(lines).strip()


def long_text(*, max_length: int) -> Any:
    """Free text that may keep its line breaks (notes, legal basis)."""

    def check(raw: str) -> str:
        value = tidy_lines(raw)
        if len(value) > max_length:
            raise UserError(TOO_LONG, limit=max_length)
        return value

    return rule(check, default="")


def one_of(options: Mapping[str, Any] | tuple[str, ...], message: str) -> Rule:
    """A choice among `options`, with the domain's own message for anything else."""

    def check(raw: str) -> str:
        if raw not in options:
            raise UserError(message)
        return raw

    return check


def attempt(cls: type[T], data: RawForm) -> tuple[T | None, list[UserError]]:
    """The dataclass read from the form, or None and every error (for services that add
    their own checks, such as those needing the database, to the same list)."""
    errors: list[UserError] = []
    value: T | None = None
    try:
        value = decode(cls, data)
    except FormErrors as e:
        errors.extend(e.errors)
    ruled: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        check: Rule | None = f.metadata.get("rule")
        whole: FormRule | None = f.metadata.get("form_rule")
        try:
            if whole is not None:
                ruled[f.name] = whole(data)
            elif check is not None:
                ruled[f.name] = check(first(data, f.name))
        except UserError as e:
            e.field = e.field or f.name
            errors.append(e)
    if errors:
        return None, errors
    assert value is not None
    for name, v in ruled.items():
        object.__setattr__(value, name, v)
    return value, []


def read(cls: type[T], data: RawForm) -> T:
    """The dataclass read from the form, or FormErrors with one message per wrong field."""
    value, errors = attempt(cls, data)
    if errors:
        raise FormErrors(errors)
    assert value is not None
    return value


def has_error(errors: list[UserError], field: str) -> bool:
    return any(e.field == field for e in errors)
