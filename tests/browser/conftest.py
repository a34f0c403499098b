"""Browser journeys: the real app served by granian, driven by Debian's Chromium (Playwright).

- `live_server`: the app as a subprocess on a free port, on the database the `database` fixture
  migrated and seeded (same environment as the other tests, plus BASE_URL).
- `browser`: headless Chromium from /usr/bin/chromium. Missing: skipped with a visible reason,
  except under CI=true, where that is a failure. `playwright install` is never needed.
- `new_context` / `phone` / `page`: a phone (360x780, touch, vi-VN, Asia/Ho_Chi_Minh).
- `shot`: a full-page screenshot of a step, in test-artifacts/browser/<engine>/ (gitignored).
- `axe`: runs axe-core on the page; fails on any "serious" or "critical" violation.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import ENGINE
from tests.helpers import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
SHOTS = ARTIFACTS / ENGINE
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CATALOG = ROOT / "backend" / "demo" / "catalog.json"

PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 780},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    "timezone_id": "Asia/Ho_Chi_Minh",
}
PASSWORD = "matkhau-an-toan-2024"
DOSSIER_CODE = re.compile(r"^[0-9A-Z.]+-\d{6}-\d{4}$")
GPS_IFD = 0x8825

ContextFactory = Callable[..., Awaitable[Any]]
Shot = Callable[[Any, str], Awaitable[Path]]

_failed_key = pytest.StashKey[bool]()


# --------------------------------------------------------------------------- the app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _granian() -> str:
    here = Path(sys.executable).parent / "granian"
    if here.exists():
        return str(here)
    return shutil.which("granian") or str(ROOT / ".venv" / "bin" / "granian")


@pytest.fixture(scope="session")
def _artifacts() -> Path:
    """This run's screenshots replace the last run's (for this database engine)."""
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@contextmanager
def serve(port: int, log_path: Path, **extra_env: str) -> Iterator[str]:
    """The real app (granian, one worker) on `port`, logging to `log_path`; yields its base
    URL. `extra_env` adds settings (the OpenID journey gives OIDC_*)."""
    base_url = f"http://127.0.0.1:{port}"
    # The push sender is tested on its own (tests/notifications); in this server it would
    # compete for their outbox rows.
    # Nor the SMS sender: the tests read the codes from the SMS outbox (tests.helpers.sms_code),
    # which a sender would wipe once sent.
    env = {
        **os.environ,
        "BASE_URL": base_url,
        "PUSH_SENDER_IN_APP": "0",
        "SMS_SENDER_IN_APP": "0",
        **extra_env,
    }
    log = log_path.open("wb")
    command = [_granian(), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "backend.app:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )

    def server_output() -> str:
        log.flush()
        return log_path.read_text(errors="replace")[-6000:]

    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            log.close()
            pytest.fail(
                f"the app did not start (exit code {proc.returncode}):\n{server_output()}",
                pytrace=False,
            )
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            log.close()
            pytest.fail(f"the app did not answer /healthz in 30 s:\n{server_output()}")
        time.sleep(0.1)
    try:
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def live_server(database: None, _artifacts: Path) -> Iterator[str]:
    """The real app (granian, one worker) on a free port; yields its base URL."""
    # The log is also read by new_context.
    with serve(_free_port(), ARTIFACTS / f"server-{ENGINE}.log") as base_url:
        yield base_url


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium): browser journeys"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} are required under CI=true", pytrace=False)
        pytest.skip(f"{reason} skipped")
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium_path: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=6_000)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_failed_key] = report.failed
    return report


@pytest.fixture
async def new_context(
    browser: Any, live_server: str, request: pytest.FixtureRequest
) -> AsyncIterator[ContextFactory]:
    """Makes phone-sized browser contexts (keyword arguments override); closes them after.

    When the test fails, every page still open is photographed as <test>-FAILED-<n>.png and
    what the app logged meanwhile (tracebacks of 500s...) is printed.
    """
    contexts: list[Any] = []
    server_log = ARTIFACTS / f"server-{ENGINE}.log"
    log_start = server_log.stat().st_size

    async def make(**overrides: Any) -> Any:
        context = await browser.new_context(base_url=live_server, **{**PHONE, **overrides})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    if request.node.stash.get(_failed_key, False):
        n = 0
        for context in contexts:
            for open_page in context.pages:
                n += 1
                name = f"{_test_name(request)}-FAILED-{n}.png"
                try:
                    await open_page.screenshot(path=SHOTS / name, full_page=True, timeout=5000)
                    print(f"screenshot of the failure: {SHOTS / name} ({open_page.url})")
                except Exception as e:  # the page may be gone; the test already failed
                    print(f"no screenshot of {open_page.url}: {e}")
        with server_log.open("rb") as f:
            f.seek(log_start)
            if logged := f.read().decode(errors="replace").strip():
                print(f"the app logged during the test:\n{logged[-8000:]}")
    for context in contexts:
        await context.close()


@pytest.fixture
async def phone(new_context: ContextFactory) -> Any:
    return await new_context()


@pytest.fixture
async def page(phone: Any) -> Any:
    return await phone.new_page()


def _test_name(request: pytest.FixtureRequest) -> str:
    name = request.node.name.removeprefix("test_")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name)[:60]


@pytest.fixture
def shot(request: pytest.FixtureRequest, _artifacts: Path) -> Shot:
    """`await shot(page, "step")`: saves <test>-<NN>-<step>.png, numbered in order."""
    counter = iter(range(1, 100))

    async def take(target: Any, step: str) -> Path:
        path = _artifacts / f"{_test_name(request)}-{next(counter):02d}-{step}.png"
        await target.screenshot(path=path, full_page=True, animations="disabled")
        return path

    return take


# --------------------------------------------------------------------------- accessibility

_AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({ target: n.target, html: n.html, summary: n.failureSummary })),
  }));
}"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make setup` (npm ci installs axe-core)")
    return AXE_JS.read_text()


class AxeChecker:
    """`await axe(page, "home")` runs axe-core on the page as it is now and keeps its serious
    and critical violations; `axe.assert_clean()` (at the end of a journey, so that one
    contrast problem does not hide the rest of the journey) fails if there were any. They are
    printed as they are found."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[str] = []
        self.pages: list[str] = []
        self.checked = False

    async def __call__(self, page: Any, label: str) -> None:
        if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol: the page's CSP forbids inline scripts.
            await page.evaluate(self.source)
        violations = await page.evaluate(_AXE_RUN)
        self.pages.append(label)
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        if not bad:
            return
        lines = [f"axe-core on {label} ({page.url}): {len(bad)} serious/critical violation(s)"]
        for v in bad:
            lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:8]:
                lines.append(f"    {node['target']}: {node['html'][:160]}")
                lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
        report = "\n".join(lines)
        print(report)
        self.found.append(report)

    def assert_clean(self) -> None:
        self.checked = True
        if self.found:
            pytest.fail("\n\n".join(self.found), pytrace=False)


@pytest.fixture
def axe(axe_source: str, request: pytest.FixtureRequest) -> Iterator[AxeChecker]:
    checker = AxeChecker(axe_source)
    yield checker
    if checker.found and not checker.checked and not request.node.stash.get(_failed_key, True):
        pytest.fail("axe-core violations were found:\n\n" + "\n\n".join(checker.found))


# --------------------------------------------------------------------------- test data


def required_documents(procedure_name: str) -> list[str]:
    """Names of the required documents of a demo procedure, in catalog order."""
    catalog = json.loads(CATALOG.read_text())
    (proc,) = [p for p in catalog["procedures"] if p["name"] == procedure_name]
    return [d["name"] for d in proc["required_documents"] if d["required"]]


def make_photo(label: str, size: tuple[int, int] = (3000, 4000), quality: int = 88) -> bytes:
    """A phone-camera-like JPEG: a sheet of paper with text lines on a desk, sensor noise, and
    EXIF with the camera's make and the GPS position of where it was taken."""
    w, h = size
    img = Image.new("RGB", size, (120, 96, 72))
    draw = ImageDraw.Draw(img)
    m = w // 14
    draw.polygon([(m, m + 40), (w - m, m), (w - m + 30, h - m), (m - 20, h - m + 10)], "#faf9f3")
    small = ImageFont.load_default(size=w // 48)
    big = ImageFont.load_default(size=w // 28)
    draw.text((2 * m, 2 * m), "CONG HOA XA HOI CHU NGHIA VIET NAM", fill="#141414", font=small)
    draw.text((2 * m, 3 * m), label, fill="#0a0a0a", font=big)
    y, i = 5 * m, 0
    while y < h - 2 * m:
        end = w - 2 * m - (i * 97) % (w // 3)
        draw.line([(2 * m, y), (end, y)], fill="#3c3c46", width=max(2, w // 400))
        y, i = y + w // 40, i + 1
    draw.ellipse([w - 4 * m, h - 4 * m, w - 2 * m, h - 2 * m], outline="#c81414", width=w // 150)
    noise = Image.effect_noise((w // 4, h // 4), 40).resize(size, Image.Resampling.NEAREST)
    img = Image.blend(img, noise.convert("RGB"), 0.08)
    exif = Image.Exif()
    exif[0x010F] = "MotCua"  # Make
    exif[0x0110] = "Test phone"  # Model
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (20.0, 15.0, 12.5), 3: "E", 4: (105.0, 58.0, 30.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def photo_info(data: bytes) -> tuple[tuple[int, int], dict[int, Any]]:
    """Size and GPS EXIF of an image."""
    with Image.open(io.BytesIO(data)) as img:
        return img.size, dict(img.getexif().get_ifd(GPS_IFD))


async def sign_up(page: Any, phone: str, name: str, next_url: str = "") -> None:
    """A new citizen account through the registration form (works with or without JS);
    returns once signed in."""
    await page.goto("/register" + (f"?next={next_url}" if next_url else ""))
    await page.get_by_label("Số điện thoại di động").fill(phone)
    await page.get_by_label("Họ và tên").fill(name)
    await page.get_by_label(re.compile(r"^Mật khẩu")).fill(PASSWORD)
    await page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Tạo tài khoản").click()
    await type_sms_code(page, phone)
    await page.get_by_role("button", name="Đăng xuất").wait_for()


async def type_sms_code(page: Any, phone: str) -> None:
    """On the screen that asks for it, the code just sent to `phone`, as read off the phone."""
    from tests.helpers import sms_code

    field = page.get_by_label("Mã xác nhận (6 chữ số)")
    await field.wait_for()
    await field.fill(await sms_code(phone))
    await page.get_by_role("button", name="Xác nhận", exact=True).click()


async def signed_in_context(
    new_context: ContextFactory, live_server: str, user_id: int, **kw: Any
) -> Any:
    """A browser context already signed in as this user (a session made directly: people made
    by the test factories have no password)."""
    from backend.accounts.middleware import SESSION_COOKIE
    from backend.accounts.services import start_session

    context = await new_context(**kw)
    token = await start_session(user_id, "web")
    await context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": live_server}])
    return context


async def controlled_by_service_worker(page: Any) -> None:
    """Waits for the worker to be active and in control of the page (reloads once if not yet)."""
    ready = "() => navigator.serviceWorker.ready.then(r => r.active.scriptURL)"
    script = await asyncio.wait_for(page.evaluate(ready), timeout=15)
    assert script.endswith("/sw.js"), script
    if not await page.evaluate("() => !!navigator.serviceWorker.controller"):
        await page.reload()
    await page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=10_000)


async def draw_signature(page: Any, canvas: Any) -> None:
    """A zig-zag drawn with the pointer on a signature pad."""
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + 15, box["y"] + 20)
    await page.mouse.down()
    for i in range(1, 12):
        await page.mouse.move(box["x"] + 15 + i * 18, box["y"] + 20 + (i % 2) * 25)
    await page.mouse.up()
