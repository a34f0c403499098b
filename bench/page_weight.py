"""Page weight: the compressed bytes a phone downloads for each citizen page.

    make bench        (or: .venv/bin/python bench/page_weight.py [--help])

Starts its own server on a free port with a throw-away SQLite database and the demo data,
then loads each citizen page in Debian's Chromium (driven by Playwright, phone-sized):

- first visit: a new browser context (empty HTTP cache, no service worker), page loaded
  and left until the network is quiet and the service worker is ready, so the worker's
  pre-cache downloads count too, as they are paid for on that visit;
- repeat visit: the same page reloaded in the same context (HTTP cache + service worker).

Bytes are counted with the DevTools protocol: the sum of `Network.loadingFinished`
`encodedDataLength` (compressed size on the wire, headers included) over the page's own
requests and those of its service worker, as Playwright's Chromium driver records them (it
attaches to the worker before the worker runs). A TCP relay in front of the server counts
what really went over the socket, as a check ("wire" column); requests it saw that DevTools
did not (the browser's own service worker update check) are listed under the table.

Not a test: it prints figures. The budget is 100 KB (102,400 bytes) on a first visit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
if not (BIN / "python").exists():
    BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEVICE = "Pixel 7"  # Playwright's descriptor: 412x839 CSS px, DPR 2.625, Android Chrome UA
BUDGET_KB = 100
KB = 1024
CITIZEN = ("0912345678", "congdan123")  # demo account from backend/demo
SEARCH = "khai sinh"
REQUEST_LINE = re.compile(rb"((?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \S+) HTTP/1")
QUIET_S = 1.5  # a load is over when no request is open and nothing happened for this long
LOAD_LIMIT_S = 30.0


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live_server(var_dir: Path) -> Iterator[str]:
    """Migrated SQLite database with the demo data, granian serving the app; yields its URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(
        VAR_DIR=str(var_dir),
        PICCOLO_CONF="backend.piccolo_conf",
        DEBUG="0",
        BASE_URL=f"http://127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    log_path = var_dir / "server.log"
    for cmd in (
        [str(BIN / "piccolo"), "migrations", "forwards", "all"],
        [str(BIN / "python"), "-m", "backend.demo"],
    ):
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd[-3:])} failed:\n{done.stdout}\n{done.stderr}")
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [
                *(str(BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1"),
                *("--port", str(port), "backend.app:app"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit("the server did not start:\n" + log_path.read_text(errors="replace"))
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


class WireCounter:
    """A TCP relay that counts the bytes the server really sends (the check on DevTools)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.down = 0  # server -> browser
        self.requests: list[str] = []  # request lines seen going up, e.g. "GET /sw.js"
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WireCounter:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("relay did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, count: bool) -> None:
            try:
                while data := await src.read(65536):
                    if count:
                        self.down += len(data)
                    elif m := REQUEST_LINE.match(data):
                        self.requests.append(m.group(1).decode("latin-1"))
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                with contextlib.suppress(Exception):
                    dst.close()

        await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))


# --------------------------------------------------------------------------- recording


@dataclass
class Resource:
    url: str
    kind: str  # resource type: document, script, stylesheet, image, fetch (worker), ...
    by_worker: bool  # fetched by the service worker (pre-cache, or on behalf of the page)
    bytes: int = 0  # encodedDataLength: compressed, headers included; 0 when not from the net
    status: int = 0
    cached: str = ""  # "cache", "service worker" (counted on the worker's side), "failed: ..."
    content_length: int = 0
    done: bool = False


@dataclass
class Visit:
    bytes: int = 0
    worker_bytes: int = 0
    network_requests: int = 0
    page_requests: int = 0
    wire_bytes: int = 0
    wire_requests: list[str] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)

    def unseen(self) -> list[str]:
        """Requests the relay passed on that DevTools did not report with any bytes."""
        seen = Counter(
            urlsplit(r.url)._replace(scheme="", netloc="").geturl()
            for r in self.resources
            if r.bytes > 0
        )
        left = []
        for line in self.wire_requests:
            target = line.split(" ", 1)[1]
            if seen[target] > 0:
                seen[target] -= 1
            else:
                left.append(line)
        return left


class Recorder:
    """Every request of one browser context: its page's and its service worker's.

    Playwright's Chromium driver attaches to each service worker before the worker runs and
    records, for every request of the page and of the worker, the DevTools protocol's
    `Network.loadingFinished` `encodedDataLength` (`request.sizes()` gives it back as
    response headers + body). A CDP session of our own on the page attaches to the worker
    too late and misses part of its pre-cache fetches, so the driver's record is used.
    """

    def __init__(self, context: Any) -> None:
        self.window: list[Any] = []
        self.open: set[Any] = set()
        self.last_event = time.monotonic()
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)

    def _started(self, request: Any) -> None:
        self.last_event = time.monotonic()
        self.open.add(request)

    def _ended(self, request: Any) -> None:
        self.last_event = time.monotonic()
        self.open.discard(request)
        self.window.append(request)

    def start(self) -> None:
        self.window = []
        self.open.clear()
        self.last_event = time.monotonic()

    def settle(self, page: Any) -> None:
        """Pump events until no request is open and the network was quiet for QUIET_S."""
        deadline = time.monotonic() + LOAD_LIMIT_S
        while time.monotonic() < deadline:
            page.wait_for_timeout(100)
            if not self.open and time.monotonic() - self.last_event >= QUIET_S:
                return
        print(f"  warning: {page.url} still loading after {LOAD_LIMIT_S:.0f} s", file=sys.stderr)

    @staticmethod
    def resource(request: Any) -> Resource:
        r = Resource(request.url, request.resource_type, request.service_worker is not None)
        response = request.response()
        if response is None:
            r.cached, r.done = f"failed: {request.failure or ''}", True
            return r
        r.status = response.status
        with contextlib.suppress(ValueError):
            r.content_length = int(response.headers.get("content-length", 0))
        if response.from_service_worker:
            # Counted on the worker's side, or out of its cache: never twice.
            r.cached, r.done = "service worker", True
            return r
        sizes = request.sizes()
        size = max(0, sizes["responseHeadersSize"] + sizes["responseBodySize"])
        if r.by_worker and urlsplit(r.url).path == "/sw.js" and 0 < size < r.content_length:
            # The worker's own script is fetched before DevTools can attach to the worker:
            # only its headers are reported, yet its body went over the wire all the same.
            size += r.content_length
        r.bytes, r.done = size, True
        if size == 0:
            r.cached = "cache"
        return r

    def visit(self, wire: WireCounter, mark: tuple[int, int]) -> Visit:
        resources = [self.resource(request) for request in self.window]
        return Visit(
            bytes=sum(r.bytes for r in resources),
            worker_bytes=sum(r.bytes for r in resources if r.by_worker),
            network_requests=sum(1 for r in resources if r.bytes > 0),
            page_requests=sum(1 for r in resources if not r.by_worker),
            wire_bytes=wire.down - mark[0],
            wire_requests=wire.requests[mark[1] :],
            resources=resources,
        )


# --------------------------------------------------------------------------- the pages


@dataclass
class PageResult:
    name: str
    path: str
    first: Visit | None = None
    repeat: Visit | None = None
    note: str = ""


def sample_photo() -> bytes:
    """A small JPEG that looks enough like a photographed page for the server to take it."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (900, 1200), (246, 244, 238))
    draw = ImageDraw.Draw(img)
    for y in range(120, 1100, 36):
        draw.line((80, y, 820 - (y * 7) % 200, y), fill=(40, 40, 40), width=4)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1)


def prepare(
    browser: Any, device: dict[str, Any], base: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """Sign the demo citizen in; make a fresh draft and, if possible, a submitted dossier.

    Done through the context's request client (cookies shared, browser cache untouched).
    Returns the signed-in storage state and the paths of the pages to measure.
    """
    context = browser.new_context(**device)
    api = context.request
    paths: dict[str, str] = {}
    try:
        results = api.get(f"{base}/procedures?q={SEARCH.replace(' ', '+')}").text()
        ids = re.findall(r'href="/procedures/(\d+)"', results)
        if not ids:
            raise RuntimeError(f"no procedure found for {SEARCH!r}")
        paths["procedure"] = f"/procedures/{ids[0]}"

        login_page = api.get(f"{base}/login").text()
        r = api.post(
            f"{base}/login",
            form={"_csrf_token": csrf_of(login_page), "login": CITIZEN[0], "password": CITIZEN[1]},
            max_redirects=0,
        )
        if r.status != 303:
            raise RuntimeError(f"sign-in failed: HTTP {r.status}")

        def start_draft(procedure_id: str) -> str:
            page = api.get(f"{base}/procedures/{procedure_id}").text()
            r = api.post(
                f"{base}/procedures/{procedure_id}/start",
                form={"_csrf_token": csrf_of(page)},
                max_redirects=0,
            )
            location = r.headers.get("location", "")
            if r.status != 303 or not location.endswith("/edit"):
                raise RuntimeError(f"could not start a draft: HTTP {r.status}")
            return location

        # The receipt: a second draft of the same procedure, every required page, submitted.
        try:
            edit = start_draft(ids[0])
            html = api.get(f"{base}{edit}").text()
            required = re.findall(r'data-slot="(\d+)" data-required="1"', html)
            photo = {"name": "trang-1.jpg", "mimeType": "image/jpeg", "buffer": sample_photo()}
            fields: dict[str, Any] = {
                "_csrf_token": csrf_of(html),
                "action": "submit",
                "delivery_method": "counter",
            }
            fields.update({f"doc-{slot}": photo for slot in required})
            r = api.post(f"{base}{edit}", multipart=fields, max_redirects=0)
            location = r.headers.get("location", "")
            if r.status != 303 or not location.endswith("/receipt"):
                raise RuntimeError(f"submission answered HTTP {r.status} {location}")
            paths["receipt"] = location
        except Exception as e:  # the receipt is optional in this benchmark
            print(f"  note: no receipt page measured ({e})", file=sys.stderr)

        paths["edit"] = start_draft(ids[0])  # the fresh draft, made last so it is untouched
        return context.storage_state(), paths
    finally:
        context.close()


def measure(
    browser: Any,
    device: dict[str, Any],
    base: str,
    wire: WireCounter,
    result: PageResult,
    state: dict[str, Any] | None,
) -> None:
    context = browser.new_context(**device, storage_state=state)
    try:
        page = context.new_page()
        recorder = Recorder(context)

        recorder.start()
        mark = (wire.down, len(wire.requests))
        response = page.goto(base + result.path, wait_until="load")
        if response is None or response.status >= 400 or urlsplit(page.url).path == "/login":
            result.note = f"HTTP {response.status if response else '?'} at {page.url}"
        # Registration happens on `load`; wait until the worker has installed (pre-cached).
        page.evaluate(
            """() => !('serviceWorker' in navigator) ? null : Promise.race([
                 navigator.serviceWorker.ready.then(() => true),
                 new Promise(resolve => setTimeout(() => resolve(false), 10000))])"""
        )
        recorder.settle(page)
        result.first = recorder.visit(wire, mark)

        recorder.start()
        mark = (wire.down, len(wire.requests))
        page.reload(wait_until="load")
        recorder.settle(page)
        result.repeat = recorder.visit(wire, mark)
    finally:
        context.close()


# --------------------------------------------------------------------------- report


def kb(n: int) -> str:
    return f"{n / KB:.1f}"


def short(url: str, base: str) -> str:
    return url.removeprefix(base) or "/"


def report(results: list[PageResult], base: str, budget_kb: float, header: str) -> bool:
    print(header)
    print(f"budget: {budget_kb:g} KB on a first visit (1 KB = 1024 bytes, compressed, headers in)")
    print()
    cols = f"{'page':<11} {'path':<24} {'first KB':>8} {'(sw)':>7} {'req':>4} "
    cols += f"{'repeat KB':>9} {'req':>4}   {'wire 1st/rep':>13}  budget"
    print(cols)
    print("-" * len(cols))
    over = []
    for r in results:
        if r.first is None or r.repeat is None:
            print(f"{r.name:<11} {r.path:<24} skipped {r.note}")
            continue
        flag = "OVER" if r.first.bytes > budget_kb * KB else "ok"
        if flag == "OVER":
            over.append(r)
        wire = f"{kb(r.first.wire_bytes)}/{kb(r.repeat.wire_bytes)}"
        print(
            f"{r.name:<11} {r.path[:24]:<24} {kb(r.first.bytes):>8} "
            f"{'(' + kb(r.first.worker_bytes) + ')':>7} {r.first.network_requests:>4} "
            f"{kb(r.repeat.bytes):>9} {r.repeat.network_requests:>4}   {wire:>13}  {flag}"
            + (f"  [{r.note}]" if r.note else "")
        )
    print()
    print("first KB: page + service worker bytes on the first visit; (sw): of which fetched by")
    print("the service worker (its pre-cache); req: requests that went to the network;")
    print("wire: bytes the server sent through the counting relay, as a check on DevTools.")

    print("\nbiggest resources (first visits; size on the wire, compressed):")
    seen: dict[tuple[str, bool], tuple[int, str, set[str]]] = {}
    for r in results:
        for res in r.first.resources if r.first else []:
            if res.bytes <= 0:
                continue
            key = (res.url, res.by_worker)
            size, kind, pages = seen.get(key, (0, res.kind, set()))
            seen[key] = (max(size, res.bytes), kind, pages | {r.name})
    biggest = sorted(seen.items(), key=lambda kv: -kv[1][0])[:12]
    for (url, by_worker), (size, kind, pages) in biggest:
        who = "by sw " if by_worker else "      "
        on = "all pages" if len(pages) == len(results) else ", ".join(sorted(pages))
        print(f"  {kb(size):>6} KB  {kind:<10} {who}{short(url, base)[:60]:<60} {on}")

    for r in results:
        for label, v in (("first", r.first), ("repeat", r.repeat)):
            if v and (unseen := v.unseen()):
                print(f"\non the wire, not in DevTools, {r.name} {label}: {', '.join(unseen)}")

    # The same file fetched twice on one visit (e.g. page with ?v=, worker pre-cache without).
    twice: dict[str, int] = {}
    for r in results:
        by_path: dict[str, list[Resource]] = {}
        for res in r.first.resources if r.first else []:
            if res.bytes > 0:
                by_path.setdefault(urlsplit(res.url).path, []).append(res)
        for path, hits in by_path.items():
            if len(hits) > 1:
                twice[path] = max(twice.get(path, 0), sum(h.bytes for h in hits[1:]))
    if twice:
        extra = sum(twice.values())
        print(f"\ndownloaded twice on a first visit (+{kb(extra)} KB a page):")
        for path, size in sorted(twice.items(), key=lambda kv: -kv[1]):
            print(f"  {kb(size):>6} KB  {path}")

    for r in results:
        # Beyond the page itself, a repeat visit should need nothing from the network.
        page_path = urlsplit(r.path).path
        again = {
            urlsplit(x.url).path
            for x in (r.repeat.resources if r.repeat else [])
            if x.bytes > 0 and urlsplit(x.url).path != page_path
        }
        if again:
            print(f"\nrepeat visit of {r.name} fetched again: {', '.join(sorted(again))}")

    for r in over:
        assert r.first is not None
        top = sorted(r.first.resources, key=lambda x: -x.bytes)[:4]
        blame = ", ".join(f"{short(x.url, base)} {kb(x.bytes)} KB" for x in top)
        print(f"\nOVER BUDGET: {r.name} {kb(r.first.bytes)} KB; largest: {blame}")
    return not over


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget-kb", type=float, default=BUDGET_KB)
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "bench" / "out" / "page_weight.json",
        help="where to write the raw figures (default: bench/out/page_weight.json)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a first visit is over budget"
    )
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium")

    from playwright.sync_api import sync_playwright

    var_dir = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    try:
        with (
            live_server(var_dir) as server_url,
            WireCounter(urlsplit(server_url).port or 0) as wire,
        ):
            base = f"http://127.0.0.1:{wire.port}"
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                device = {
                    k: v for k, v in pw.devices[DEVICE].items() if k != "default_browser_type"
                }
                device.update(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
                state, paths = prepare(browser, device, base)
                pages = [
                    PageResult("home", "/"),
                    PageResult("search", f"/procedures?q={SEARCH.replace(' ', '+')}"),
                    PageResult("procedure", paths["procedure"]),
                    PageResult("submission", paths["edit"]),
                    PageResult("receipt", paths.get("receipt", "")),
                    PageResult("my dossiers", "/my/dossiers"),
                    PageResult("track", "/track"),
                ]
                signed_in = {"submission", "receipt", "my dossiers"}
                for p in pages:
                    if not p.path:
                        p.note = "could not make a submitted dossier"
                        continue
                    state_of_page = state if p.name in signed_in else None
                    measure(browser, device, base, wire, p, state_of_page)
                header = (
                    f"MotCua page weight: {DEVICE} ({device['viewport']['width']}x"
                    f"{device['viewport']['height']}, DPR {device['device_scale_factor']}), "
                    f"Chromium {browser.version}\nHTTP/1.1 on loopback, gzip from the app "
                    "(no TLS, so no brotli); first visit = empty cache, no service worker"
                )
                browser.close()
        ok = report(pages, base, args.budget_kb, header)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"budget_kb": args.budget_kb, "pages": [asdict(p) for p in pages]},
                indent=1,
                ensure_ascii=False,
            )
        )
        print(f"\nraw figures: {args.json}")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
