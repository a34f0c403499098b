"""Evaluations in the real UI on a 390x844 phone: the center's manager defines a criteria set
and a period and opens it; an agency's leader scores another agency (a bad score first, kept
and explained), then the next one; the manager reads the results table. axe-core checks each
screen; screenshots go to test-artifacts/browser/<engine>/."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from playwright.async_api import expect

from backend.access.roles import Role
from backend.catalog.tables import Agency
from tests.browser.conftest import AxeChecker, ContextFactory, Shot, signed_in_context
from tests.helpers import make_user

pytestmark = pytest.mark.browser
PHONE_390: dict[str, Any] = {"viewport": {"width": 390, "height": 844}}
DESKTOP: dict[str, Any] = {
    "viewport": {"width": 1280, "height": 900},
    "device_scale_factor": 1,
    "is_mobile": False,
    "has_touch": False,
}
_runs = itertools.count(1)


async def test_manager_defines_leader_scores_manager_reads_results(
    new_context: ContextFactory, live_server: str, shot: Shot, axe: AxeChecker
) -> None:
    manager = await make_user(Role.MANAGER, "test.eval.browser.gd")
    leader = await make_user(Role.LEADER, "test.eval.browser.ld", "sgddt")
    target = await Agency.select(Agency.id, Agency.name).where(Agency.code == "stp").first()
    assert target is not None
    run = next(_runs)
    set_name = f"Tiêu chí phối hợp (thử trình duyệt {run})"
    period_name = f"Quý thử trình duyệt {run}"

    # --- the manager: a criteria set (one row added with the "+" button), then a period
    boss = await (
        await signed_in_context(new_context, live_server, manager.id, **PHONE_390)
    ).new_page()
    await boss.goto("/evaluations/criteria/new")
    await boss.get_by_label("Tên bộ tiêu chí").fill(set_name)
    await boss.get_by_label("Tiêu chí 1", exact=True).fill("Tinh thần phối hợp")
    await boss.locator("#f-max-0").fill("10")
    await boss.get_by_label("Tiêu chí 2", exact=True).fill("Giải quyết hồ sơ đúng hạn")
    await boss.locator("#f-max-1").fill("10")
    await boss.get_by_label("Tiêu chí 3", exact=True).fill("Thái độ phục vụ người dân")
    await boss.locator("#f-max-2").fill("5")
    await boss.get_by_role("button", name="Thêm tiêu chí").click()
    await expect(boss.get_by_label("Tiêu chí 4", exact=True)).to_be_visible()
    await expect(boss.get_by_label("Tiêu chí 3", exact=True)).to_have_value(
        "Thái độ phục vụ người dân"
    )
    await boss.get_by_label("Tiêu chí 4", exact=True).fill("Công khai, minh bạch")
    await boss.locator("#f-max-3").fill("5")
    await axe(boss, "criteria set form")
    await shot(boss, "criteria-form")
    await boss.get_by_role("button", name="Lưu bộ tiêu chí").last.click()
    await expect(boss.locator(".alert.good")).to_contain_text("Đã lưu bộ tiêu chí.")
    await expect(boss.locator(".eval-set", has_text=set_name)).to_contain_text(
        "Tổng tối đa: 30 điểm"
    )
    await shot(boss, "criteria-list")

    await boss.goto("/evaluations/periods/new")
    await boss.get_by_label("Tên kỳ đánh giá").fill(period_name)
    await boss.get_by_label("Bộ tiêu chí").select_option(label=f"{set_name} (tối đa 30 điểm)")
    await boss.locator("#f-weight_self").fill("30")  # 40 + 40 + 30: refused, nothing lost
    await boss.get_by_role("button", name="Lưu kỳ đánh giá").click()
    await expect(boss.locator(".eval-kinds .error")).to_contain_text("(hiện là 110)")
    await expect(boss.get_by_label("Tên kỳ đánh giá")).to_have_value(period_name)
    await shot(boss, "period-form-error")
    await boss.locator("#f-weight_self").fill("20")
    await boss.get_by_role("button", name="Lưu kỳ đánh giá").click()
    await expect(boss.get_by_role("heading", level=1)).to_have_text(period_name)
    boss.once("dialog", lambda dialog: dialog.accept())
    await boss.get_by_role("button", name="Mở kỳ đánh giá").click()
    await expect(boss.locator(".alert.good")).to_contain_text("Đã mở kỳ đánh giá.")
    await axe(boss, "period page")
    await shot(boss, "period-opened")
    period_url = boss.url.split("?")[0]

    # --- the leader of Sở Giáo dục và Đào tạo: what to fill in, then one agency
    chief = await (
        await signed_in_context(new_context, live_server, leader.id, **PHONE_390)
    ).new_page()
    await chief.goto("/staff/queue")
    await chief.get_by_role("link", name="Đánh giá, chấm điểm").click()
    card = chief.locator(".eval-period", has_text=period_name)
    await expect(card).to_contain_text("Phiếu tự đánh giá của tôi")
    await expect(card).to_contain_text("Đã chấm 0/19 phiếu")
    await expect(card.locator("a.eval-task", has_text="Sở Giáo dục và Đào tạo")).to_have_count(0)
    await axe(chief, "leader's to-do list")
    await shot(chief, "leader-todo")
    await card.locator("a.eval-task", has_text=target["name"]).click()
    await expect(chief.get_by_role("heading", level=1)).to_have_text(target["name"])
    await chief.get_by_label("Tinh thần phối hợp").fill("12")  # above the maximum of 10
    await chief.get_by_label("Giải quyết hồ sơ đúng hạn").fill("9")
    await chief.get_by_label("Thái độ phục vụ người dân").fill("4.5")
    await chief.get_by_label("Công khai, minh bạch").fill("5")
    await chief.get_by_label("Nhận xét (không bắt buộc)").fill("Phối hợp liên thông tốt.")
    await chief.get_by_role("button", name="Lưu phiếu").click()
    await expect(chief.locator(".eval-score .error")).to_have_text("Điểm phải từ 0 đến 10.")
    await expect(chief.get_by_label("Tinh thần phối hợp")).to_have_value("12")
    await expect(chief.get_by_label("Thái độ phục vụ người dân")).to_have_value("4.5")
    await expect(chief.get_by_label("Nhận xét (không bắt buộc)")).to_have_value(
        "Phối hợp liên thông tốt."
    )
    await axe(chief, "score form with an error")
    await shot(chief, "score-form-error")
    await chief.get_by_label("Tinh thần phối hợp").fill("8")
    await chief.get_by_role("button", name="Lưu phiếu").click()
    await expect(chief.locator(".alert.good")).to_contain_text(
        f"Đã lưu phiếu cho {target['name']}."
    )
    await expect(chief.get_by_role("heading", level=1)).not_to_have_text(target["name"])
    await shot(chief, "next-agency-form")
    await chief.get_by_role("link", name="Danh sách phiếu").click()
    done = chief.locator(".eval-period", has_text=period_name).locator(
        "a.eval-task", has_text=target["name"]
    )
    await expect(done).to_contain_text("Đã chấm: 26,5/30")  # 8 + 9 + 4.5 + 5

    # --- the manager reads the results
    await boss.goto(f"{period_url}/results")
    row = boss.locator("table.eval-results tbody tr", has_text=target["name"])
    await expect(row.locator("td").first).to_contain_text("26,5")
    await expect(row.locator("td").first).to_contain_text("1/19 cơ quan đã chấm")
    await expect(boss.locator(".eval-missing").first).to_contain_text("Cơ quan chưa chấm chéo đủ")
    await axe(boss, "results")
    await shot(boss, "results")
    # The page fits the phone: nothing wider than the screen.
    width = await boss.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    # On a desktop screen the same results are a table.
    desk = await (
        await signed_in_context(new_context, live_server, manager.id, **DESKTOP)
    ).new_page()
    await desk.goto(f"{period_url}/results")
    await expect(desk.locator("table.eval-results thead")).to_be_visible()
    await axe(desk, "results on a desktop")
    await shot(desk, "results-desktop")
    axe.assert_clean()
