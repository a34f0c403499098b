"""The floor: a hand-written ASGI app doing the benchmarked pages' work with nothing around it.

    FLOOR_DATABASE_URL=sqlite:///PATH .venv/bin/granian --interface asgi bench.peer.floor:app

Raw sqlite3 (one connection per process, autocommit) or an asyncpg pool, the same SQL as the
project's queries (the rate limit's read included), and the project's own Jinja environment
and templates (backend.app.make_jinja). CSRF is a double-submit comparison of the cookie and the
form field. An upper bound for the project's pages, not an app: no sessions, no middleware.
"""

from __future__ import annotations

import hmac
import json
import math
import os
import re
import secrets
import sqlite3
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

from backend.app import make_jinja
from backend.dossiers.status import Status
from backend.dossiers.tracking import TRACK_LIMIT_PER_IP, TRACK_WINDOW, Step, TrackResult
from backend.lib.errors import UserError
from backend.lib.i18n import gettext
from backend.lib.text import search_terms
from backend.lib.validation import normalize_phone
from backend.settings import get_settings

URL = os.environ.get("FLOOR_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
SQLITE = URL.startswith("sqlite:///")
JINJA = make_jinja(get_settings())
TRACK = JINJA.get_template("dossiers/track.html")
PROCEDURES = JINJA.get_template("catalog/procedures.html")
NOT_FOUND = "Không tìm thấy hồ sơ với mã và số điện thoại này. Vui lòng kiểm tra lại."


class Db:
    """fetch(sql with ? placeholders, *args) -> list of tuples, on either engine."""

    def __init__(self) -> None:
        self.conn: sqlite3.Connection | None = None
        self.pool: Any = None

    async def open(self) -> None:
        if SQLITE:
            path = URL.removeprefix("sqlite:///")
            self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA busy_timeout=30000")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        else:
            import asyncpg

            self.pool = await asyncpg.create_pool(URL, min_size=2, max_size=8)

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        if self.conn is not None:
            return self.conn.execute(sql, args).fetchall()
        n = 0

        def number(_: Any) -> str:
            nonlocal n
            n += 1
            return f"${n}"

        return await self.pool.fetch(re.sub(r"\?", number, sql), *args)


DB = Db()


def ts(v: Any) -> Any:
    return datetime.fromisoformat(v) if isinstance(v, str) else v


def day(v: Any) -> Any:
    return date.fromisoformat(v) if isinstance(v, str) else v


COUNTED: dict[str, int] = {}


async def rate_limited(ip: str) -> bool:
    """backend/accounts/ratelimit_buffered.py's take() for an address seen for the first time:
    one read of its two windows, the count kept in memory (the project writes it a second
    later, in one transaction for all addresses; the floor leaves that out)."""
    now = datetime.now(UTC)
    seconds = int(TRACK_WINDOW.total_seconds())
    position = now.timestamp() / seconds
    index = int(position)
    key = f"track:{ip}"
    if f"{key}:{index}" not in COUNTED:
        rows = await DB.fetch(
            "SELECT slot, hits FROM rate_limit_counter WHERE slot IN (?, ?)",
            f"{key}:{index}",
            f"{key}:{index - 1}",
        )
        stored = {row[0]: row[1] for row in rows}
        COUNTED[f"{key}:{index}"] = stored.get(f"{key}:{index}", 0)
        COUNTED[f"{key}:{index - 1}"] = stored.get(f"{key}:{index - 1}", 0)
    COUNTED[f"{key}:{index}"] += 1
    earlier = COUNTED[f"{key}:{index - 1}"]
    current = COUNTED[f"{key}:{index}"]
    return current + math.floor(earlier * (1 - (position - index))) > TRACK_LIMIT_PER_IP


async def lookup(code: str, phone: str) -> TrackResult | None:
    try:
        phone = normalize_phone(phone)
    except UserError:
        return None
    rows = await DB.fetch(
        "SELECT d.id, d.code, d.status, d.submitted_at, d.appointment_date, d.applicant_phone, "
        "p.name FROM dossier d JOIN procedure p ON p.id = d.procedure "
        "WHERE d.code = ? AND d.status != 0 LIMIT 1",
        code.strip().upper(),
    )
    if not rows or rows[0][5] != phone:
        return None
    d = rows[0]
    steps = []
    for at, action, from_status, to_status in await DB.fetch(
        "SELECT at, action, from_status, to_status FROM dossier_event WHERE dossier = ? "
        "ORDER BY seq",
        d[0],
    ):
        apology = action == "apologize"
        if apology or from_status != to_status:
            steps.append(Step(ts(at), Status(to_status), apology))
    return TrackResult(d[1], Status(d[2]), ts(d[3]), day(d[4]), d[6], tuple(steps))


def client_ip(scope: dict[str, Any], headers: dict[bytes, bytes]) -> str:
    forwarded = headers.get(b"x-forwarded-for", b"").decode().split(",")[-1].strip()
    return forwarded or scope["client"][0]


def cookie(headers: dict[bytes, bytes], name: str) -> str:
    for part in headers.get(b"cookie", b"").decode().split(";"):
        k, _, v = part.strip().partition("=")
        if k == name:
            return v
    return ""


async def read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await DB.open()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    headers = dict(scope["headers"])
    path, method = scope["path"], scope["method"]
    query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
    status, ctype, extra = 200, "text/html; charset=utf-8", []
    token = cookie(headers, "csrftoken")
    if not token:
        token = secrets.token_hex(64)
        extra.append((b"set-cookie", f"csrftoken={token}; Path=/; SameSite=lax".encode()))
    page = {
        "user": None,
        "unread": 0,
        "request": SimpleNamespace(url=SimpleNamespace(path=path), method=method),
        "csrf_token": lambda: token,
    }
    if path == "/procedures" and method == "GET":
        sql = (
            "SELECT p.id, p.catalog_id, p.national_code, p.name, p.processing_days, "
            "p.online_level, p.fee_vnd, a.code, a.name FROM procedure p "
            "JOIN agency a ON a.id = p.agency WHERE p.active"
        )
        args: list[Any] = []
        for term in search_terms(query.get("q", "")[:200]):
            sql += " AND p.search_text LIKE ?"
            args.append(f"%{term}%")
        if query.get("agency"):
            sql += " AND a.code = ?"
            args.append(query["agency"][:20])
        keys = ("id", "catalog_id", "national_code", "name", "processing_days", "online_level")
        keys += ("fee_vnd", "agency_code", "agency_name")
        results = [
            dict(zip(keys, r, strict=True))
            for r in await DB.fetch(sql + " ORDER BY p.name LIMIT 100", *args)
        ]
        agencies = [
            dict(zip(("id", "code", "name", "kind"), r, strict=True))
            for r in await DB.fetch("SELECT id, code, name, kind FROM agency ORDER BY id")
        ]
        body = PROCEDURES.render(
            page, q=query.get("q", ""), agency=query.get("agency", ""), results=results,
            agencies=agencies,
        )  # fmt: skip
        extra.append((b"vary", b"HX-Request"))
    elif path == "/track" and method == "POST":
        form = {k: v[0] for k, v in parse_qs((await read_body(receive)).decode()).items()}
        if not hmac.compare_digest(form.get("_csrf_token", ""), cookie(headers, "csrftoken")):
            status, body = 403, "CSRF"
        else:
            values = {"code": form.get("code", "")[:40], "phone": form.get("phone", "")[:20]}
            errors, result = {}, None
            if await rate_limited(client_ip(scope, headers)):
                status, errors = 429, {"_": "Bạn tra cứu quá nhiều lần."}
            else:
                result = await lookup(values["code"], values["phone"])
                if result is None:
                    status, errors = 404, {"_": NOT_FOUND}
            body = TRACK.render(page, values=values, errors=errors, result=result)
    elif path == "/track" and method == "GET":
        body = TRACK.render(page, values={"code": query.get("code", "")[:40]}, errors={})
    elif path == "/api/v1/track" and method == "GET":
        ctype = "application/json"
        if await rate_limited(client_ip(scope, headers)):
            status, body = 429, '{"detail": "too many"}'
        elif (r := await lookup(query.get("code", "")[:40], query.get("phone", "")[:20])) is None:
            status, body = 404, json.dumps({"detail": NOT_FOUND}, ensure_ascii=False)
        else:
            body = json.dumps(
                {
                    "code": r.code,
                    "status": int(r.status),
                    "status_label": gettext(r.status.label),
                    "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
                    "appointment_date": str(r.appointment_date) if r.appointment_date else None,
                    "next_step": gettext(r.next_step),
                    "steps": [
                        {
                            "at": s.at.isoformat(),
                            "status": int(s.status),
                            "status_label": gettext(s.status.label),
                            "apology": s.apology,
                        }
                        for s in r.steps
                    ],
                },
                ensure_ascii=False,
            )
    elif path == "/healthz":
        ctype, body = "text/plain", "ok"
    else:
        status, ctype, body = 404, "text/plain", "not found"
    data = body.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", ctype.encode()),
                (b"content-length", str(len(data)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
