"""python -m backend.demo [--print-accounts]: load the demo catalog and accounts.

Idempotent: agencies, procedures, counters, post offices and accounts are added only when
missing (matched by code, number or login), so running it on every `make run` is safe and keeps
an administrator's edits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

from piccolo.columns import Column

from backend.access.roles import Role
from backend.accounts.services import create_user
from backend.accounts.tables import User
from backend.catalog import communes
from backend.catalog.services import procedure_search_text
from backend.catalog.tables import Agency, Counter, PostOffice, Procedure, RequiredDocument
from backend.demo.notes import public_note
from backend.evaluations.demo import load as load_evaluations
from backend.lib.db import write_transaction
from backend.settings import get_settings

CATALOG = Path(__file__).resolve().parent / "catalog.json"
PROVINCE_IN_DATA = "Ninh Bình"


class DemoAccount(NamedTuple):
    role: Role
    login: str
    password: str
    name: str
    agency: str | None = None  # agency code
    counter: int | None = None  # counter number
    post_office: str | None = None  # post office code


# Printed by `make run`. Demo only; never deploy these.
DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount(Role.CITIZEN, "0912345678", "congdan123", "Nguyễn Thị Lan"),
    DemoAccount(Role.CITIZEN, "0987654321", "congdan123", "Trần Văn Minh"),
    # The counter is a column of its own (kiosks and reports name it): not part of the name.
    DemoAccount(Role.COUNTER, "motcua1", "canbo123", "Phạm Thu Hà", counter=1),
    DemoAccount(Role.SPECIALIST, "tuphap.cv", "canbo123", "Lê Minh Tuấn (Sở Tư pháp)", "stp"),
    DemoAccount(Role.LEADER, "tuphap.ld", "canbo123", "Đỗ Quang Vinh (Sở Tư pháp)", "stp"),
    DemoAccount(Role.SPECIALIST, "xaydung.cv", "canbo123", "Vũ Thị Hồng (Sở Xây dựng)", "sxd"),
    DemoAccount(Role.LEADER, "xaydung.ld", "canbo123", "Hoàng Văn Nam (Sở Xây dựng)", "sxd"),
    DemoAccount(Role.SPECIALIST, "taichinh.cv", "canbo123", "Ngô Thị Mai (Sở Tài chính)", "stc"),
    DemoAccount(Role.LEADER, "taichinh.ld", "canbo123", "Trịnh Văn Đức (Sở Tài chính)", "stc"),
    DemoAccount(
        Role.POSTAL,
        "buudien1",
        "canbo123",
        "Trần Văn Bình (Bưu điện Ninh Bình)",
        post_office="BD-NB",
    ),
    DemoAccount(
        Role.POSTAL, "buudien2", "canbo123", "Lê Thị Hoa (Bưu điện Phủ Lý)", post_office="BD-HN"
    ),
    # Officers of a commune People's Committee, which decides birth registrations and the like
    # that the center receives and transfers (the committee is made from the ward list).
    DemoAccount(Role.SPECIALIST, "hoalu.cv", "canbo123", "Đinh Thị Yến (UBND phường Hoa Lư)"),
    DemoAccount(Role.LEADER, "hoalu.ld", "canbo123", "Phạm Văn Quý (UBND phường Hoa Lư)"),
    DemoAccount(Role.MANAGER, "giamdoc", "canbo123", "Bùi Thị Thanh (Lãnh đạo Trung tâm)"),
    DemoAccount(Role.ADMIN, "admin", "quantri123", "Quản trị hệ thống"),
]
DEMO_COMMUNE = "14329"  # Phường Hoa Lư (backend/catalog/data/wards.csv)
COMMUNE_LOGINS = {"hoalu.cv", "hoalu.ld"}
COUNTERS = [
    (1, "Quầy 1 – Tư pháp, Nội vụ"),
    (2, "Quầy 2 – Đất đai, Xây dựng"),
    (3, "Quầy 3 – Đa lĩnh vực"),
]
# (code, name, address, phone, ward codes from backend/catalog/data/wards.csv; empty = anywhere)
POST_OFFICES = [
    (
        "BD-NB",
        "Bưu điện tỉnh Ninh Bình",
        "Số 2 Trần Hưng Đạo, phường Hoa Lư, tỉnh Ninh Bình",
        "02293871234",
        "",
    ),
    (
        "BD-HN",
        "Bưu điện Phủ Lý",
        "Số 1 Biên Hòa, phường Phủ Lý, tỉnh Ninh Bình",
        "",
        # Phường Phủ Lý, Phù Vân, Châu Sơn, Hà Nam, Liêm Tuyền
        "13285,13291,13318,13366,13444",
    ),
]


def load_catalog(province: str) -> dict[str, Any]:
    """The demo catalog, with the province's name swapped in when another one is configured."""
    text = CATALOG.read_text(encoding="utf-8")
    if province != PROVINCE_IN_DATA:
        text = text.replace(PROVINCE_IN_DATA, province)
    data: dict[str, Any] = json.loads(text)
    return data


async def load(province: str) -> dict[str, int]:
    data = load_catalog(province)
    agencies = {a["code"]: a for a in data["agencies"]}
    counts = {"agencies": 0, "procedures": 0, "post_offices": 0, "accounts": 0}
    async with write_transaction():
        for a in agencies.values():
            # Only what is missing is added: an administrator's later edits are kept.
            if not await Agency.exists().where(Agency.code == a["code"]):
                await Agency.insert(
                    Agency(code=a["code"], name=a["name"], kind=a["kind"], note=a.get("note", ""))
                )
                counts["agencies"] += 1
        agency_ids = {r["code"]: r["id"] for r in await Agency.select(Agency.id, Agency.code)}
        for p in data["procedures"]:
            counts["procedures"] += await _upsert_procedure(p, agency_ids, agencies)
    for number, label in COUNTERS:
        if not await Counter.exists().where(Counter.number == number):
            await Counter.insert(Counter(number=number, name=label))
    counter_ids = {r["number"]: r["id"] for r in await Counter.select(Counter.id, Counter.number)}
    for code, name, address, phone, ward_codes in POST_OFFICES:
        if not await PostOffice.exists().where(PostOffice.code == code):
            await PostOffice.insert(
                PostOffice(
                    code=code, name=name, address=address, phone=phone, ward_codes=ward_codes
                )
            )
            counts["post_offices"] += 1
    office_ids = {
        r["code"]: r["id"] for r in await PostOffice.select(PostOffice.id, PostOffice.code)
    }
    commune = communes.in_province(DEMO_COMMUNE)
    commune_code = ""
    if commune is not None:  # another province configured: no demo commune officers
        async with write_transaction():
            commune_code = (await communes.committee(commune))["code"]
    for a in DEMO_ACCOUNTS:
        if a.login in COMMUNE_LOGINS:
            if not commune_code:
                continue
            a = a._replace(agency=commune_code)
        if not await User.exists().where(User.login == a.login):
            user = await create_user(
                role=a.role,
                login=a.login,
                password=a.password,
                full_name=a.name,
                agency_code=a.agency,
            )
            if a.role is Role.CITIZEN:
                # Demo numbers are nobody's: taken as proven, so the demo shows everything.
                await User.update({User.phone_verified_at: user.created_at}).where(
                    User.id == user.id
                )
            if a.counter or a.post_office:
                await User.update(
                    {
                        User.counter: counter_ids[a.counter] if a.counter else None,
                        User.post_office: office_ids[a.post_office] if a.post_office else None,
                    }
                ).where(User.id == user.id)
            counts["accounts"] += 1
    # A criteria set and an open evaluation period for the current quarter.
    counts.update(await load_evaluations())
    return counts


async def _upsert_procedure(
    p: dict[str, Any], agency_ids: dict[str, int], agencies: dict[str, Any]
) -> int:
    fee = p["fee_vnd"]
    values: dict[Column | str, Any] = {
        Procedure.national_code: p["code"],
        Procedure.agency: agency_ids[p["agency"]],
        Procedure.name: p["name"],
        Procedure.field: p.get("field", ""),
        Procedure.level: p.get("level", ""),
        Procedure.processing_days: int(p["processing_days"]),
        Procedure.processing_note: public_note(p.get("processing_note", "")),
        # The catalog states the afternoon cut-off in the note of the procedures that have it.
        Procedure.same_day_cutoff: "15 giờ" in p.get("processing_note", ""),
        # "Cấp xã (UBND xã/phường xử lý)...": decided by the commune People's Committee.
        Procedure.decided_by_commune: p.get("level", "").startswith("Cấp xã"),
        Procedure.fee_vnd: fee if isinstance(fee, int) else None,
        Procedure.fee_text: fee if isinstance(fee, str) else "",
        Procedure.online_level: p["online_level"],
        Procedure.result_delivery: ",".join(p["result_delivery"]),
        Procedure.legal_basis: p.get("legal_basis", ""),
        Procedure.search_text: procedure_search_text(
            p["name"], p["code"], p.get("field", ""), agencies[p["agency"]]["name"]
        ),
    }
    if await Procedure.exists().where(Procedure.catalog_id == p["id"]):
        return 0  # already loaded; an administrator may have edited it since
    proc = Procedure(
        catalog_id=p["id"], **{c._meta.name: v for c, v in values.items() if isinstance(c, Column)}
    )
    await proc.save()
    for i, d in enumerate(p["required_documents"], start=1):
        await RequiredDocument.insert(
            RequiredDocument(
                procedure=proc.id,
                position=i,
                name=d["name"],
                notes=d.get("notes", ""),
                required=bool(d.get("required", True)),
            )
        )
    return 1


def print_accounts(base_url: str) -> None:
    print(f"\n  MotCua is running at {base_url}\n")
    print("  Demo accounts (login / password):")
    for a in DEMO_ACCOUNTS:
        print(f"    {a.role.value:<10} {a.login:<12} / {a.password:<12} {a.name}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.demo")
    parser.add_argument(
        "--print-accounts", action="store_true", help="only print the demo accounts"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.print_accounts:
        print_accounts(settings.base_url)
        return 0
    counts = asyncio.run(load(settings.province))
    print(
        f"demo data: {counts['agencies']} agencies, {counts['procedures']} procedures, "
        f"{counts['post_offices']} post offices, {counts['accounts']} accounts added"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
