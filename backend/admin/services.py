"""What the administration pages do: staff accounts, counters, agencies, procedures, post
offices and the postal tariff.

Every function that takes a form checks all of it and raises `FormErrors` with one message per
field, so that the page shows them all at once beside their fields.
"""

from __future__ import annotations

import csv
import re
import secrets
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any

from piccolo.columns import Column, Varchar
from piccolo.columns.combination import Where

from backend.access.roles import Role
from backend.accounts import ratelimit
from backend.accounts.services import check_password_strength, create_user, hash_password
from backend.accounts.tables import AuthSession, User
from backend.catalog.services import procedure_search_text, search_procedures
from backend.catalog.tables import Agency, Counter, PostOffice, Procedure, RequiredDocument
from backend.dossiers.tables import DossierFile
from backend.lib.db import is_unique_violation, write_transaction
from backend.lib.errors import FormErrors, NotFound, UserError
from backend.lib.i18n import N_
from backend.lib.text import fold, search_terms
from backend.lib.validation import require_text
from backend.postal import tariff
from backend.postal.tables import PostalTariff

Form = dict[str, str]

STAFF_ROLES: tuple[Role, ...] = (
    Role.COUNTER,
    Role.SPECIALIST,
    Role.LEADER,
    Role.POSTAL,
    Role.MANAGER,
    Role.ADMIN,
)
AGENCY_KINDS: dict[str, str] = {
    "department": N_("Sở, ban, ngành"),
    "central": N_("Cơ quan ngành dọc"),
    "enterprise": N_("Doanh nghiệp"),
}
ONLINE_LEVELS: dict[str, str] = {
    "toàn trình": N_("Trực tuyến toàn trình"),
    "một phần": N_("Trực tuyến một phần"),
}
DELIVERY_OPTIONS: dict[str, str] = {
    "counter": N_("Tại quầy"),
    "post": N_("Qua bưu điện"),
    "electronic": N_("Bản điện tử"),
    "on-site": N_("Tại hiện trường"),
}

# Starts with a letter, so that a staff login is never taken for a phone number at sign-in.
_LOGIN = re.compile(r"^[a-z][a-z0-9._-]{2,63}$")
_AGENCY_CODE = re.compile(r"^[a-z0-9]{2,20}$")
_POST_OFFICE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
# A landline (0 + area code + number: 11 digits) or a mobile (10 digits).
_PHONE = re.compile(r"^0\d{9,10}$")
WARDS_CSV = Path(__file__).resolve().parent.parent / "catalog" / "data" / "wards.csv"
MAX_FEE_VND = 2_000_000_000  # the column is a 32-bit integer
MAX_PROCESSING_DAYS = 3650


class _Checks:
    """Collects one error per field while a form is being read."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []
        self.values: dict[str, Any] = {}

    def run(self, key: str, check: Callable[[], Any]) -> Any:
        try:
            self.values[key] = check()
        except UserError as e:
            self.errors.append(e)
            self.values[key] = None
        return self.values[key]

    def fail(self, error: UserError) -> None:
        self.errors.append(error)

    def done(self) -> dict[str, Any]:
        if self.errors:
            raise FormErrors(self.errors)
        return self.values


def optional_text(raw: str | None, field: str, max_length: int) -> str:
    value = " ".join((raw or "").split())
    if len(value) > max_length:
        raise UserError(
            N_("Nội dung quá dài (tối đa {limit} ký tự)."), field=field, limit=max_length
        )
    return value


def long_text(raw: str | None, field: str, max_length: int) -> str:
    """Free text that may keep its line breaks (notes, legal basis)."""
    lines = [" ".join(line.split()) for line in (raw or "").strip().splitlines()]
    value = "\n".join(lines).strip()
    if len(value) > max_length:
        raise UserError(
            N_("Nội dung quá dài (tối đa {limit} ký tự)."), field=field, limit=max_length
        )
    return value


def _contains(column: Varchar, word: str) -> Where:
    """Case-insensitive on both engines (SQLite's LIKE already is, for ASCII letters)."""
    pattern = f"%{word}%"
    if column._meta.engine_type == "sqlite":
        return column.like(pattern)
    return column.ilike(pattern)


def _int_or_none(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() else None


# --- overview ----------------------------------------------------------------------------------


async def overview() -> dict[str, int]:
    return {
        "staff": await User.count().where((User.role != Role.CITIZEN.value) & User.active.eq(True)),
        "counters": await Counter.count().where(Counter.active.eq(True)),
        "agencies": await Agency.count(),
        "procedures": await Procedure.count().where(Procedure.active.eq(True)),
        "post_offices": await PostOffice.count().where(PostOffice.active.eq(True)),
    }


# --- staff -------------------------------------------------------------------------------------

_STAFF_COLUMNS = (
    User.id,
    User.login,
    User.full_name,
    User.role,
    User.active,
    User.agency,
    User.counter,
    User.post_office,
    User.created_at,
    User.agency.name.as_alias("agency_name"),
    User.counter.number.as_alias("counter_number"),
    User.counter.name.as_alias("counter_name"),
    User.post_office.name.as_alias("post_office_name"),
)


async def list_staff(query: str = "", role: str = "") -> list[dict[str, Any]]:
    q = User.select(*_STAFF_COLUMNS).where(User.role != Role.CITIZEN.value)
    if role in {r.value for r in STAFF_ROLES}:
        q = q.where(User.role == role)
    for word in query.split()[:5]:
        q = q.where(_contains(User.full_name, word) | _contains(User.login, word.lower()))
    rows = await q.limit(1000)
    # In Vietnamese order ("Đỗ" after "Dương", before "Giang"), which no database collation
    # gives on both engines; the active accounts first.
    return sorted(rows, key=lambda r: (not r["active"], fold(r["full_name"]), r["full_name"]))


async def get_staff(user_id: int) -> dict[str, Any]:
    row = (
        await User.select(*_STAFF_COLUMNS)
        .where((User.id == user_id) & (User.role != Role.CITIZEN.value))
        .first()
    )
    if row is None:
        raise NotFound(N_("Không tìm thấy tài khoản cán bộ này."))
    return row


def _parse_role(raw: str) -> Role:
    try:
        role = Role(raw)
    except ValueError:
        role = Role.CITIZEN
    if role not in STAFF_ROLES:
        raise UserError(N_("Vui lòng chọn vai trò."), field="role")
    return role


async def _check_placement(
    checks: _Checks,
    role: Role | None,
    data: Form,
    current_counter: int | None = None,
    current_post_office: int | None = None,
) -> None:
    """The agency (specialists and leaders only), the counter (counter officers only) and the
    post office (postal workers only).

    A counter or post office that has since stopped may stay with who already has it, but is
    not given to anybody new.
    """
    agency_id = _int_or_none(data.get("agency"))
    if (data.get("agency") or "").strip() and agency_id is None:
        checks.fail(UserError(N_("Không có cơ quan này."), field="agency"))
    elif agency_id is not None and not await Agency.exists().where(Agency.id == agency_id):
        checks.fail(UserError(N_("Không có cơ quan này."), field="agency"))
        agency_id = None
    counter_id = _int_or_none(data.get("counter"))
    if counter_id is not None and counter_id != current_counter:
        usable = await Counter.exists().where((Counter.id == counter_id) & Counter.active.eq(True))
        if not usable:
            checks.fail(
                UserError(N_("Quầy này không có hoặc đã ngừng hoạt động."), field="counter")
            )
    post_office_id = _int_or_none(data.get("post_office"))
    if (data.get("post_office") or "").strip() and post_office_id is None:
        checks.fail(
            UserError(N_("Bưu điện này không có hoặc đã ngừng hoạt động."), field="post_office")
        )
    elif post_office_id is not None and post_office_id != current_post_office:
        usable = await PostOffice.exists().where(
            (PostOffice.id == post_office_id) & PostOffice.active.eq(True)
        )
        if not usable:
            checks.fail(
                UserError(N_("Bưu điện này không có hoặc đã ngừng hoạt động."), field="post_office")
            )
    if role is not None:
        if role.needs_agency and agency_id is None and not (data.get("agency") or "").strip():
            checks.fail(
                UserError(
                    N_("Chuyên viên và lãnh đạo cơ quan phải thuộc một cơ quan. Hãy chọn cơ quan."),
                    field="agency",
                )
            )
        elif not role.needs_agency and agency_id is not None:
            checks.fail(
                UserError(
                    N_("Chỉ chuyên viên và lãnh đạo cơ quan mới thuộc một cơ quan. Hãy bỏ chọn."),
                    field="agency",
                )
            )
        if role is Role.COUNTER and counter_id is None:
            checks.fail(
                UserError(N_("Cán bộ Bộ phận Một cửa cần được xếp một quầy."), field="counter")
            )
        elif role is not Role.COUNTER and counter_id is not None:
            checks.fail(
                UserError(
                    N_("Chỉ cán bộ Bộ phận Một cửa mới ngồi quầy. Hãy bỏ chọn."), field="counter"
                )
            )
        post_office_given = post_office_id is not None or bool(
            (data.get("post_office") or "").strip()
        )
        if role is Role.POSTAL and not post_office_given:
            checks.fail(
                UserError(
                    N_("Nhân viên bưu điện phải thuộc một bưu điện. Hãy chọn bưu điện."),
                    field="post_office",
                )
            )
        elif role is not Role.POSTAL and post_office_id is not None:
            checks.fail(
                UserError(
                    N_("Chỉ nhân viên bưu điện mới thuộc một bưu điện. Hãy bỏ chọn."),
                    field="post_office",
                )
            )
    checks.values["agency"] = agency_id
    checks.values["counter"] = counter_id
    checks.values["post_office"] = post_office_id


def _full_name(data: Form) -> str:
    return require_text(data.get("full_name", ""), "full_name", N_("Vui lòng nhập họ và tên."), 120)


async def create_staff(data: Form) -> int:
    checks = _Checks()

    def login() -> str:
        value = (data.get("login") or "").strip().lower()
        if not value:
            raise UserError(N_("Vui lòng nhập tên đăng nhập."), field="login")
        if not _LOGIN.match(value):
            raise UserError(
                N_(
                    "Tên đăng nhập từ 3 đến 64 ký tự, bắt đầu bằng chữ cái, chỉ gồm chữ thường "
                    "không dấu, chữ số và các dấu . _ -"
                ),
                field="login",
            )
        return value

    checks.run("login", login)
    checks.run("full_name", lambda: _full_name(data))
    role = checks.run("role", lambda: _parse_role(data.get("role", "")))
    await _check_placement(checks, role, data)
    checks.run("password", lambda: check_password_strength(data.get("password", "")))
    values = checks.done()
    taken = UserError(N_("Tên đăng nhập này đã có người dùng."), field="login")
    if await User.exists().where(User.login == values["login"]):
        raise FormErrors([taken])
    agency_code = None
    if values["agency"] is not None:
        agency = await Agency.select(Agency.code).where(Agency.id == values["agency"]).first()
        agency_code = agency["code"] if agency else None
    try:
        async with write_transaction():
            user = await create_user(
                role=values["role"],
                login=values["login"],
                password=data.get("password", ""),
                full_name=values["full_name"],
                agency_code=agency_code,
            )
            if values["counter"] is not None or values["post_office"] is not None:
                await User.update(
                    {User.counter: values["counter"], User.post_office: values["post_office"]}
                ).where(User.id == user.id)
    except UserError as e:
        raise FormErrors([taken if e.field == "login" else e]) from e
    except Exception as e:
        if is_unique_violation(e):
            raise FormErrors([taken]) from e
        raise
    return int(user.id)


async def update_staff(user_id: int, data: Form, acting_user_id: int) -> None:
    current = await get_staff(user_id)
    checks = _Checks()
    checks.run("full_name", lambda: _full_name(data))
    role = checks.run("role", lambda: _parse_role(data.get("role", "")))
    if role is not None and user_id == acting_user_id and role.value != current["role"]:
        checks.fail(
            UserError(
                N_("Bạn không thể tự đổi vai trò của chính mình. Hãy nhờ một quản trị viên khác."),
                field="role",
            )
        )
    await _check_placement(
        checks,
        role,
        data,
        current_counter=current["counter"],
        current_post_office=current["post_office"],
    )
    values = checks.done()
    await User.update(
        {
            User.full_name: values["full_name"],
            User.role: values["role"].value,
            User.agency: values["agency"],
            User.counter: values["counter"],
            User.post_office: values["post_office"],
        }
    ).where(User.id == user_id)


async def set_staff_active(user_id: int, active: bool, acting_user_id: int) -> None:
    """A deactivated account cannot sign in, and every session it had ends now."""
    await get_staff(user_id)
    if not active and user_id == acting_user_id:
        raise UserError(N_("Bạn không thể tự khoá tài khoản của chính mình."))
    async with write_transaction():
        await User.update({User.active: active}).where(User.id == user_id)
        if not active:
            await AuthSession.delete().where(AuthSession.user == user_id)


async def reset_password(user_id: int, password: str, acting_user_id: int) -> None:
    """A new password; the account is signed out everywhere (except the admin's own browser)."""
    row = await get_staff(user_id)
    try:
        check_password_strength(password)
    except UserError as e:
        raise FormErrors([e]) from e
    async with write_transaction():
        await User.update({User.password_hash: hash_password(password)}).where(User.id == user_id)
        if user_id != acting_user_id:
            await AuthSession.delete().where(AuthSession.user == user_id)
    # An officer locked out by failed attempts can use the new password at once.
    await ratelimit.clear("login", row["login"])


async def staff_choices() -> dict[str, list[dict[str, Any]]]:
    return {
        "agencies": await Agency.select(Agency.id, Agency.code, Agency.name).order_by(Agency.name),
        "counters": await Counter.select().order_by(Counter.number),
        "post_offices": await PostOffice.select(
            PostOffice.id, PostOffice.code, PostOffice.name, PostOffice.active
        ).order_by(PostOffice.code),
    }


# --- counters ----------------------------------------------------------------------------------


async def list_counters() -> list[dict[str, Any]]:
    counters = await Counter.select().order_by(Counter.number)
    officers = await User.select(User.counter, User.full_name).where(
        User.counter.is_not_null() & User.active.eq(True)
    )
    for c in counters:
        c["officers"] = [o["full_name"] for o in officers if o["counter"] == c["id"]]
    return counters


async def get_counter(counter_id: int) -> dict[str, Any]:
    row = await Counter.select().where(Counter.id == counter_id).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy quầy này."))
    return row


def _counter_values(data: Form) -> dict[str, Any]:
    checks = _Checks()

    def number() -> int:
        raw = (data.get("number") or "").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= 999:
            raise UserError(N_("Vui lòng nhập số quầy, từ 1 đến 999."), field="number")
        return int(raw)

    checks.run("number", number)
    checks.run("name", lambda: optional_text(data.get("name"), "name", 120))
    return checks.done()


def _counter_taken(number: int) -> FormErrors:
    return FormErrors([UserError(N_("Đã có quầy số {number}."), field="number", number=number)])


async def save_counter(counter_id: int | None, data: Form) -> int:
    values = _counter_values(data)
    clash = Counter.exists().where(Counter.number == values["number"])
    if counter_id is not None:
        await get_counter(counter_id)
        clash = clash.where(Counter.id != counter_id)
    if await clash:
        raise _counter_taken(values["number"])
    try:
        if counter_id is None:
            row = Counter(number=values["number"], name=values["name"], active=True)
            await row.save()
            return int(row.id)
        await Counter.update(
            {Counter.number: values["number"], Counter.name: values["name"]}
        ).where(Counter.id == counter_id)
    except Exception as e:
        if is_unique_violation(e):
            raise _counter_taken(values["number"]) from e
        raise
    return counter_id


async def set_counter_active(counter_id: int, active: bool) -> None:
    await get_counter(counter_id)
    await Counter.update({Counter.active: active}).where(Counter.id == counter_id)


# --- post offices ------------------------------------------------------------------------------


@cache
def official_wards() -> dict[str, tuple[str, str]]:
    """{ward code: (ward, province)}: the official communes and wards (backend/catalog/data)."""
    with WARDS_CSV.open(encoding="utf-8", newline="") as f:
        return {r["ward_code"]: (r["ward"], r["province"]) for r in csv.DictReader(f)}


def split_ward_codes(stored: str) -> list[str]:
    return [c for c in (stored or "").split(",") if c]


def ward_names(stored: str) -> list[str]:
    """The served wards as people read them ("Phường Phủ Lý"), in the stored order."""
    wards = official_wards()
    return [wards[c][0] if c in wards else c for c in split_ward_codes(stored)]


def _ward_codes(raw: str | None) -> str:
    """Codes typed with commas, spaces or line breaks, checked against the official list and
    stored as "13285,13291" (each once, in the order given)."""
    wards = official_wards()
    codes: list[str] = []
    unknown: list[str] = []
    for word in re.split(r"[\s,;]+", raw or ""):
        if not word:
            continue
        code = word.zfill(5) if word.isdigit() else word
        if code not in wards:
            unknown.append(word)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise UserError(
            N_(
                "Không có phường, xã nào mang mã {codes}. Mã gồm 5 chữ số, theo danh mục "
                "phường, xã hiện hành."
            ),
            field="ward_codes",
            codes=", ".join(unknown[:10]) + (", …" if len(unknown) > 10 else ""),
        )
    return ",".join(codes)


def _office_phone(raw: str | None) -> str:
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if digits and not _PHONE.match(digits):
        raise UserError(
            N_("Số điện thoại gồm 10 hoặc 11 chữ số, bắt đầu bằng 0, ví dụ 0229 387 1234."),
            field="phone",
        )
    return digits


async def list_post_offices() -> list[dict[str, Any]]:
    """Every post office, the active ones first, with its wards' names and its active staff."""
    offices = await PostOffice.select().order_by(PostOffice.code)
    staff = await User.select(User.post_office, User.full_name).where(
        User.post_office.is_not_null() & User.active.eq(True)
    )
    for o in offices:
        o["wards"] = ward_names(o["ward_codes"])
        o["staff"] = sorted(
            (s["full_name"] for s in staff if s["post_office"] == o["id"]), key=fold
        )
    return sorted(offices, key=lambda o: not o["active"])


async def get_post_office(post_office_id: int) -> dict[str, Any]:
    row = await PostOffice.select().where(PostOffice.id == post_office_id).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy bưu điện này."))
    row["wards"] = ward_names(row["ward_codes"])
    return row


def post_office_form_values(row: dict[str, Any]) -> dict[str, str]:
    values = {k: row[k] or "" for k in ("code", "name", "address", "phone")}
    values["ward_codes"] = ", ".join(split_ward_codes(row["ward_codes"]))
    values["active"] = "1" if row["active"] else ""
    return values


def _post_office_values(data: Form) -> dict[str, Any]:
    checks = _Checks()

    def code() -> str:
        value = (data.get("code") or "").strip().upper()
        if not _POST_OFFICE_CODE.match(value):
            raise UserError(
                N_(
                    "Mã bưu điện gồm 2 đến 20 chữ cái không dấu, chữ số hoặc dấu gạch ngang, "
                    "ví dụ: BD-NB."
                ),
                field="code",
            )
        return value

    checks.run("code", code)
    checks.run(
        "name",
        lambda: require_text(data.get("name", ""), "name", N_("Vui lòng nhập tên bưu điện."), 200),
    )
    checks.run("address", lambda: optional_text(data.get("address"), "address", 300))
    checks.run("phone", lambda: _office_phone(data.get("phone")))
    checks.run("ward_codes", lambda: _ward_codes(data.get("ward_codes")))
    checks.values["active"] = bool(data.get("active"))
    return checks.done()


def _post_office_taken(code: str) -> FormErrors:
    return FormErrors([UserError(N_("Đã có bưu điện mang mã {code}."), field="code", code=code)])


async def save_post_office(post_office_id: int | None, data: Form) -> int:
    """Add or change a post office; its code is used once."""
    values = _post_office_values(data)
    clash = PostOffice.exists().where(PostOffice.code == values["code"])
    if post_office_id is not None:
        await get_post_office(post_office_id)
        clash = clash.where(PostOffice.id != post_office_id)
    if await clash:
        raise _post_office_taken(values["code"])
    try:
        if post_office_id is None:
            row = PostOffice(**values)
            await row.save()
            return int(row.id)
        await PostOffice.update(
            {PostOffice._meta.get_column_by_name(k): v for k, v in values.items()}
        ).where(PostOffice.id == post_office_id)
    except Exception as e:
        if is_unique_violation(e):
            raise _post_office_taken(values["code"]) from e
        raise
    return post_office_id


# --- postal tariff -----------------------------------------------------------------------------


def _format_fee(fee_vnd: int) -> str:
    """25000 -> "25.000", as the form shows it and accepts it back."""
    return f"{fee_vnd:,}".replace(",", ".")


async def tariff_form_values() -> dict[str, str]:
    """The tariff form's fields: <service>_fee, <service>_payment, <service>_note."""
    notes = {r["service"]: r["note"] for r in await PostalTariff.select()}
    values = {}
    for service, quote in (await tariff.tariff()).items():
        values[f"{service}_fee"] = _format_fee(quote.fee_vnd)
        values[f"{service}_payment"] = quote.payment
        values[f"{service}_note"] = notes.get(service, "")
    return values


def _tariff_fee(raw: str | None, field: str) -> int:
    text = re.sub(r"\s", "", raw or "").removesuffix("đ")
    # Thousands may be grouped with dots: 25.000 or 1.250.000 (a comma would be decimals).
    fee = int(text.replace(".", "")) if re.fullmatch(r"\d+|\d{1,3}(\.\d{3})+", text) else -1
    if not 0 <= fee <= MAX_FEE_VND:
        raise UserError(
            N_("Cước là số tiền bằng đồng, từ 0 trở lên, ví dụ 25.000. Nhập 0 nếu miễn cước."),
            field=field,
        )
    return fee


def _tariff_payment(raw: str | None, field: str) -> str:
    if raw not in tariff.PAYMENT_LABELS:
        raise UserError(N_("Vui lòng chọn cách trả cước."), field=field)
    return raw


async def save_tariff(data: Form) -> None:
    """All three services at once: nothing is saved while any field is wrong."""
    checks = _Checks()
    for service in tariff.SERVICES:
        for key, check in (
            ("fee", _tariff_fee),
            ("payment", _tariff_payment),
            ("note", partial(optional_text, max_length=300)),
        ):
            field = f"{service}_{key}"
            checks.run(field, partial(check, data.get(field), field))
    values = checks.done()
    async with write_transaction():
        for service in tariff.SERVICES:
            await tariff.save(
                service,
                values[f"{service}_fee"],
                values[f"{service}_payment"],
                values[f"{service}_note"],
            )


# --- agencies ----------------------------------------------------------------------------------


async def list_agencies() -> list[dict[str, Any]]:
    agencies = await Agency.select().order_by(Agency.id)
    counts: dict[int, int] = {}
    for p in await Procedure.select(Procedure.agency).where(Procedure.active.eq(True)):
        counts[p["agency"]] = counts.get(p["agency"], 0) + 1
    for a in agencies:
        a["procedures"] = counts.get(a["id"], 0)
    return agencies


async def get_agency(agency_id: int) -> dict[str, Any]:
    row = await Agency.select().where(Agency.id == agency_id).first()
    if row is None:
        raise NotFound(N_("Không tìm thấy cơ quan này."))
    return row


def _agency_checks(data: Form) -> _Checks:
    checks = _Checks()
    checks.run(
        "name",
        lambda: require_text(data.get("name", ""), "name", N_("Vui lòng nhập tên cơ quan."), 200),
    )

    def kind() -> str:
        value = data.get("kind", "")
        if value not in AGENCY_KINDS:
            raise UserError(N_("Vui lòng chọn loại cơ quan."), field="kind")
        return value

    checks.run("kind", kind)
    checks.run("note", lambda: long_text(data.get("note"), "note", 2000))
    return checks


async def create_agency(data: Form) -> int:
    checks = _agency_checks(data)

    def code() -> str:
        value = (data.get("code") or "").strip().lower()
        if not _AGENCY_CODE.match(value):
            raise UserError(
                N_("Mã cơ quan gồm 2 đến 20 chữ thường không dấu hoặc chữ số, ví dụ: stp."),
                field="code",
            )
        return value

    checks.run("code", code)
    values = checks.done()
    taken = FormErrors(
        [UserError(N_("Đã có cơ quan mang mã {code}."), field="code", code=values["code"])]
    )
    if await Agency.exists().where(Agency.code == values["code"]):
        raise taken
    row = Agency(code=values["code"], name=values["name"], kind=values["kind"], note=values["note"])
    try:
        await row.save()
    except Exception as e:
        if is_unique_violation(e):
            raise taken from e
        raise
    return int(row.id)


async def update_agency(agency_id: int, data: Form) -> None:
    """The code stays as it was made: links and accounts refer to it."""
    current = await get_agency(agency_id)
    values = _agency_checks(data).done()
    async with write_transaction():
        await Agency.update(
            {Agency.name: values["name"], Agency.kind: values["kind"], Agency.note: values["note"]}
        ).where(Agency.id == agency_id)
        if values["name"] != current["name"]:
            # The agency's name is part of what search matches for each of its procedures.
            for p in await Procedure.select(
                Procedure.id, Procedure.name, Procedure.national_code, Procedure.field
            ).where(Procedure.agency == agency_id):
                await Procedure.update(
                    {
                        Procedure.search_text: procedure_search_text(
                            p["name"], p["national_code"], p["field"], values["name"]
                        )
                    }
                ).where(Procedure.id == p["id"])


# --- procedures --------------------------------------------------------------------------------


async def find_procedures(query: str = "", agency_code: str = "") -> dict[str, Any]:
    """The public search (active procedures), and below it the suspended ones that match."""
    active = await search_procedures(query, agency_code, limit=1000)
    q = Procedure.select(
        Procedure.id,
        Procedure.name,
        Procedure.national_code,
        Procedure.agency.name.as_alias("agency_name"),
    ).where(Procedure.active.eq(False))
    for term in search_terms(query):
        q = q.where(Procedure.search_text.like(f"%{term}%"))
    if agency_code:
        q = q.where(Procedure.agency.code == agency_code)
    return {"active": active, "inactive": await q.order_by(Procedure.name).limit(1000)}


async def get_procedure(procedure_id: int) -> dict[str, Any]:
    """A procedure as the administrator sees it, active or not, with its documents."""
    row = (
        await Procedure.select(
            *Procedure.all_columns(exclude=[Procedure.search_text]),
            Procedure.agency.code.as_alias("agency_code"),
            Procedure.agency.name.as_alias("agency_name"),
        )
        .where(Procedure.id == procedure_id)
        .first()
    )
    if row is None:
        raise NotFound(N_("Không tìm thấy thủ tục này."))
    row["documents"] = await list_documents(procedure_id)
    return row


# The procedure columns the edit form shows as plain text fields.
PROCEDURE_TEXT_FIELDS = (
    "name",
    "national_code",
    "field",
    "level",
    "agency",
    "processing_days",
    "processing_note",
    "fee_vnd",
    "fee_text",
    "online_level",
    "legal_basis",
)


def procedure_form_values(row: dict[str, Any]) -> dict[str, str]:
    """A stored procedure as the strings its edit form shows."""
    values = {k: "" if row.get(k) is None else str(row[k]) for k in PROCEDURE_TEXT_FIELDS}
    for d in (row.get("result_delivery") or "").split(","):
        if d in DELIVERY_OPTIONS:
            values[f"delivery_{d}"] = "1"
    values["active"] = "1" if row.get("active") else ""
    return values


def _procedure_values(data: Form, agencies: dict[int, str]) -> dict[str, Any]:
    checks = _Checks()
    checks.run(
        "name",
        lambda: require_text(data.get("name", ""), "name", N_("Vui lòng nhập tên thủ tục."), 500),
    )
    checks.run(
        "national_code", lambda: optional_text(data.get("national_code"), "national_code", 20)
    )
    checks.run("field", lambda: optional_text(data.get("field"), "field", 120))
    checks.run("level", lambda: long_text(data.get("level"), "level", 500))

    def agency() -> int:
        value = _int_or_none(data.get("agency"))
        if value is None or value not in agencies:
            raise UserError(N_("Vui lòng chọn cơ quan."), field="agency")
        return value

    checks.run("agency", agency)

    def days() -> int:
        raw = (data.get("processing_days") or "").strip()
        if not raw.isdigit() or int(raw) > MAX_PROCESSING_DAYS:
            raise UserError(
                N_("Thời hạn là số ngày làm việc, từ 0 trở lên (0 là giải quyết trong ngày)."),
                field="processing_days",
            )
        return int(raw)

    checks.run("processing_days", days)
    checks.run(
        "processing_note", lambda: long_text(data.get("processing_note"), "processing_note", 1000)
    )

    def fee() -> int | None:
        raw = re.sub(r"[\s.,]", "", data.get("fee_vnd") or "").removesuffix("đ")
        if not raw:
            return None
        if not raw.isdigit() or int(raw) > MAX_FEE_VND:
            raise UserError(
                N_("Lệ phí là số tiền bằng đồng, ví dụ 50000. Để trống nếu phí không cố định."),
                field="fee_vnd",
            )
        return int(raw)

    fee_vnd = checks.run("fee_vnd", fee)
    fee_text = checks.run("fee_text", lambda: long_text(data.get("fee_text"), "fee_text", 1000))
    if fee_vnd is None and not fee_text and not any(e.field == "fee_vnd" for e in checks.errors):
        checks.fail(
            UserError(
                N_("Nhập số tiền, hoặc ghi cách tính phí nếu phí không cố định."), field="fee_vnd"
            )
        )

    def online_level() -> str:
        value = data.get("online_level", "")
        if value not in ONLINE_LEVELS:
            raise UserError(N_("Vui lòng chọn mức độ trực tuyến."), field="online_level")
        return value

    checks.run("online_level", online_level)

    def delivery() -> str:
        chosen = [d for d in DELIVERY_OPTIONS if data.get(f"delivery_{d}")]
        if not chosen:
            raise UserError(N_("Chọn ít nhất một cách nhận kết quả."), field="result_delivery")
        return ",".join(chosen)

    checks.run("result_delivery", delivery)
    checks.run("legal_basis", lambda: long_text(data.get("legal_basis"), "legal_basis", 4000))
    checks.values["active"] = bool(data.get("active"))
    values = checks.done()
    values["search_text"] = procedure_search_text(
        values["name"], values["national_code"], values["field"], agencies[values["agency"]]
    )
    values["national_code"] = values["national_code"] or None
    return values


async def _agency_names() -> dict[int, str]:
    return {a["id"]: a["name"] for a in await Agency.select(Agency.id, Agency.name)}


# Every column the form saves; the text ones are also what it shows back.
_PROCEDURE_FIELDS = (*PROCEDURE_TEXT_FIELDS, "result_delivery", "active", "search_text")


async def save_procedure(procedure_id: int | None, data: Form) -> int:
    """Add or change a procedure; its search text always follows its name, code, field, agency."""
    values = _procedure_values(data, await _agency_names())
    columns: dict[Column | str, Any] = {
        Procedure._meta.get_column_by_name(k): values[k] for k in _PROCEDURE_FIELDS
    }
    if procedure_id is not None:
        await get_procedure(procedure_id)
        await Procedure.update(columns).where(Procedure.id == procedure_id)
        return procedure_id
    async with write_transaction():
        # Procedures added here get catalog ids of their own ("ADM12"): the demo loader's are
        # "P001"... and the two never meet.
        row = Procedure(
            catalog_id=f"tmp-{secrets.token_hex(6)}", **{k: values[k] for k in _PROCEDURE_FIELDS}
        )
        await row.save()
        await Procedure.update({Procedure.catalog_id: f"ADM{row.id}"}).where(Procedure.id == row.id)
    return int(row.id)


# --- required documents ------------------------------------------------------------------------


async def list_documents(procedure_id: int) -> list[dict[str, Any]]:
    return (
        await RequiredDocument.select()
        .where(RequiredDocument.procedure == procedure_id)
        .order_by(RequiredDocument.position)
        .order_by(RequiredDocument.id)
    )


async def get_document(procedure_id: int, document_id: int) -> dict[str, Any]:
    row = (
        await RequiredDocument.select()
        .where((RequiredDocument.id == document_id) & (RequiredDocument.procedure == procedure_id))
        .first()
    )
    if row is None:
        raise NotFound(N_("Không tìm thấy giấy tờ này."))
    return row


def _document_values(data: Form) -> dict[str, Any]:
    checks = _Checks()
    checks.run(
        "name",
        lambda: require_text(data.get("name", ""), "name", N_("Vui lòng nhập tên giấy tờ."), 500),
    )
    checks.run("notes", lambda: optional_text(data.get("notes"), "notes", 500))
    checks.values["required"] = bool(data.get("required"))
    return checks.done()


async def add_document(procedure_id: int, data: Form) -> int:
    await get_procedure(procedure_id)
    values = _document_values(data)
    async with write_transaction():
        last = (
            await RequiredDocument.select(RequiredDocument.position)
            .where(RequiredDocument.procedure == procedure_id)
            .order_by(RequiredDocument.position, ascending=False)
            .first()
        )
        row = RequiredDocument(
            procedure=procedure_id,
            position=(last["position"] if last else 0) + 1,
            name=values["name"],
            notes=values["notes"],
            required=values["required"],
        )
        await row.save()
    return int(row.id)


async def update_document(procedure_id: int, document_id: int, data: Form) -> None:
    await get_document(procedure_id, document_id)
    values = _document_values(data)
    await RequiredDocument.update(
        {
            RequiredDocument.name: values["name"],
            RequiredDocument.notes: values["notes"],
            RequiredDocument.required: values["required"],
        }
    ).where(RequiredDocument.id == document_id)


async def _renumber(procedure_id: int, ids: list[int]) -> None:
    for position, doc_id in enumerate(ids, start=1):
        await RequiredDocument.update({RequiredDocument.position: position}).where(
            RequiredDocument.id == doc_id
        )


async def move_document(procedure_id: int, document_id: int, step: int) -> None:
    """One place up (step -1) or down (+1); positions are renumbered 1, 2, 3… on the way."""
    async with write_transaction():
        ids = [d["id"] for d in await list_documents(procedure_id)]
        if document_id not in ids:
            raise NotFound(N_("Không tìm thấy giấy tờ này."))
        i = ids.index(document_id)
        j = i + step
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
        await _renumber(procedure_id, ids)


async def delete_document(procedure_id: int, document_id: int) -> None:
    """Refused once a dossier holds pages for it: those pages would lose their place."""
    await get_document(procedure_id, document_id)
    if await DossierFile.exists().where(DossierFile.document == document_id):
        raise UserError(
            N_(
                "Đã có hồ sơ nộp giấy tờ này nên không xoá được. Bạn có thể sửa tên "
                "hoặc chuyển thành giấy tờ không bắt buộc."
            ),
            field="documents",
        )
    async with write_transaction():
        await RequiredDocument.delete().where(RequiredDocument.id == document_id)
        await _renumber(procedure_id, [d["id"] for d in await list_documents(procedure_id)])
