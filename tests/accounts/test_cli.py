"""`python -m backend.accounts create-user`: how a deployment makes its first administrator.

Run as a real subprocess with the test run's environment, so it writes to the test database.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import pytest

from backend.accounts.tables import User
from tests.helpers import ROOT, Client, new_phone


async def run_cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend.accounts",
        *args,
        cwd=ROOT,
        env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def unique_login() -> str:
    return f"QuanTri.{uuid.uuid4().hex[:8]}"


async def test_create_admin_then_refuse_the_same_login(client: Client) -> None:
    login = unique_login()
    args = ("create-user", "--role", "admin", "--login", login)
    args += ("--password", "mat-khau-quan-tri", "--name", "Bùi Thị Quản Trị")

    code, out, err = await run_cli(*args)
    assert code == 0, err
    assert f"created admin {login.lower()}" in out

    rows = await User.select(
        User.login, User.role, User.full_name, User.phone, User.password_hash
    ).where(User.login == login.lower())
    assert len(rows) == 1
    row = rows[0]
    assert (row["role"], row["full_name"], row["phone"]) == ("admin", "Bùi Thị Quản Trị", None)
    assert row["password_hash"].startswith("$argon2")

    # The new administrator can sign in, typing the login in any case.
    r = await client.post(
        "/api/v1/auth/token", json={"login": login.upper(), "password": "mat-khau-quan-tri"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "admin"

    code, out, err = await run_cli(*args)
    assert code == 1
    assert "Số điện thoại hoặc tên đăng nhập này đã có tài khoản" in err
    assert "Traceback" not in err
    assert await User.count().where(User.login == login.lower()) == 1


async def test_create_citizen_normalises_the_phone() -> None:
    phone = new_phone()
    written = f"+84 {phone[1:4]} {phone[4:7]} {phone[7:]}"
    code, out, err = await run_cli(
        "create-user", "--role", "citizen", "--login", written, "--password", "congdan-moi-1"
    )
    assert code == 0, err
    assert phone in out
    row = await User.select(User.login, User.phone, User.role, User.full_name).where(
        User.login == phone
    )
    assert row == [{"login": phone, "phone": phone, "role": "citizen", "full_name": written}]


@pytest.mark.parametrize(
    ("role", "login", "password", "extra", "exit_code", "message"),
    [
        pytest.param(
            "superuser", "{unique}", "mat-khau-du-dai", (), 2, "invalid choice", id="unknown-role"
        ),
        pytest.param(
            "citizen",
            "0123",
            "mat-khau-du-dai",
            (),
            1,
            "Số điện thoại không đúng",
            id="short-phone",
        ),
        pytest.param(
            "citizen",
            "02293871234",
            "mat-khau-du-dai",
            (),
            1,
            "Số điện thoại không đúng",
            id="landline",
        ),
        pytest.param(
            "citizen", "{unique}", "mat-khau-du-dai", (), 1, "Số điện thoại", id="name-not-phone"
        ),
        pytest.param(
            "admin", "{unique}", "ngan", (), 1, "Mật khẩu cần ít nhất 8 ký tự", id="short-password"
        ),
        pytest.param(
            "admin",
            "   ",
            "mat-khau-du-dai",
            (),
            1,
            "Vui lòng nhập tên đăng nhập",
            id="blank-login",
        ),
        pytest.param(
            "admin",
            "{unique}",
            "mat-khau-du-dai",
            ("--agency", "khong-co"),
            1,
            "Không có cơ quan nào mang mã khong-co",
            id="unknown-agency",
        ),
    ],
)
async def test_create_user_refuses_bad_input(
    role: str,
    login: str,
    password: str,
    extra: tuple[str, ...],
    exit_code: int,
    message: str,
) -> None:
    login = login.format(unique=unique_login())
    users_before = await User.count()
    code, out, err = await run_cli(
        "create-user", "--role", role, "--login", login, "--password", password, *extra
    )
    assert code == exit_code, (out, err)
    assert message in err
    assert "Traceback" not in err
    assert "created" not in out
    assert await User.count() == users_before
