"""Image bombs: the memory one app worker holds while hostile images are uploaded.

    .venv/bin/python bench/image_bomb.py [--bombs 8] [--side 7000] [--normal 3] [--repeat 1]

Not a test: it prints figures. Budget: the worker stays under 400 MB RSS (issue 11, item 4).

1. Makes a throw-away VAR_DIR (SQLite database, uploads), runs the real migrations and the demo
   data, and starts `granian --interface asgi backend.app:app` (one worker) on a free loopback
   port, as tests/browser/conftest.py does.
2. Signs the demo citizen in and opens a draft.
3. Samples the RSS of every process of the server (from /proc, every 10 ms) in a thread.
4. Round "bombs": N parallel uploads of a `side`×`side` RGBA PNG of one colour (a few hundred
   KB that decode to side²×4 bytes), plus a few ordinary phone photos (JPEG, 4000×3000) at the
   same time, into the draft's first slot (the request a photo's "Chọn ảnh" button sends).
5. Rounds "just under the budget": the same with the largest RGBA PNG the pixel budget still
   accepts, then the largest lossless WebP its memory budget accepts (a WebP takes five times
   the memory of a PNG a pixel): what an attacker who knows the limits can make us decode.
6. Prints, for each round, the answers (status and the message given) and the worker's RSS:
   before, peak, and a second after the round.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
if not (BIN / "python").exists():
    BIN = Path(sys.executable).parent
CITIZEN = ("0912345678", "congdan123")  # demo account from backend/demo
PROCEDURE_SEARCH = "khai sinh"
BUDGET_MB = 400
MB = 1024 * 1024


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live_server(var_dir: Path) -> Iterator[tuple[str, int]]:
    """Migrated SQLite database with the demo data, granian serving the app (one worker);
    yields its URL and the pid of the granian process."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(
        VAR_DIR=str(var_dir),
        PICCOLO_CONF="backend.piccolo_conf",
        DEBUG="0",
        BASE_URL=f"http://127.0.0.1:{port}",
        PUSH_SENDER_IN_APP="0",
        PYTHONUNBUFFERED="1",
    )
    for cmd in (
        [str(BIN / "piccolo"), "migrations", "forwards", "all"],
        [str(BIN / "python"), "-m", "backend.demo"],
    ):
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd[-3:])} failed:\n{done.stdout}\n{done.stderr}")
    log_path = var_dir / "server.log"
    command = [str(BIN / "granian"), "--interface", "asgi", "--workers", "1"]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port), "backend.app:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit("the server did not start:\n" + log_path.read_text(errors="replace"))
            time.sleep(0.2)
        yield url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# --------------------------------------------------------------------------- memory


def descendants(pid: int) -> list[int]:
    """Every process under `pid` (granian's workers), from /proc."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            with contextlib.suppress(OSError):
                children = [int(c) for c in (task / "children").read_text().split()]
                found.extend(children)
                todo.extend(children)
    return found


def rss_bytes(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) * 1024 if match else 0


@dataclass
class Sampler:
    """RSS of the server's processes every `interval` s, in a thread; the peak per process."""

    server_pid: int
    interval: float = 0.01
    peaks: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in [self.server_pid, *descendants(self.server_pid)]:
                self.peaks[pid] = max(self.peaks.get(pid, 0), rss_bytes(pid))
            time.sleep(self.interval)


def worker_rss(server_pid: int) -> dict[int, int]:
    return {pid: rss_bytes(pid) for pid in [server_pid, *descendants(server_pid)]}


# --------------------------------------------------------------------------- uploads


def image_of(image_format: str, side: int) -> bytes:
    """A square of one colour, fully transparent: a few hundred KB that decode to side²×4
    bytes (and more for WebP)."""
    out = io.BytesIO()
    options = {"lossless": True} if image_format == "WEBP" else {}
    Image.new("RGBA", (side, side), (255, 255, 255, 0)).save(out, format=image_format, **options)
    return out.getvalue()


def phone_photo() -> bytes:
    """A 4000×3000 JPEG with detail, as a phone writes it (a few MB)."""
    noise = Image.effect_noise((1000, 750), 60).convert("RGB").resize((4000, 3000))
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=92)
    return out.getvalue()


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def open_draft(client: httpx.Client) -> tuple[str, str, str]:
    """Signs the demo citizen in and opens a draft; returns (edit path, slot, CSRF token)."""
    r = client.post(
        "/login",
        data={"_csrf_token": csrf_of(client.get("/login").text), "login": CITIZEN[0]}
        | {"password": CITIZEN[1]},
    )
    if r.status_code != 303:
        raise RuntimeError(f"sign-in answered HTTP {r.status_code}")
    results = client.get("/procedures", params={"q": PROCEDURE_SEARCH}).text
    procedure = re.findall(r'href="/procedures/(\d+)"', results)[0]
    page = client.get(f"/procedures/{procedure}").text
    r = client.post(f"/procedures/{procedure}/start", data={"_csrf_token": csrf_of(page)})
    edit = r.headers.get("location", "")
    html = client.get(edit).text
    slot = re.findall(r'data-slot="(\d+)"', html)[0]
    return edit, slot, csrf_of(html)


@dataclass
class Upload:
    label: str
    name: str
    data: bytes


def send(client: httpx.Client, edit: str, slot: str, token: str, upload: Upload) -> str:
    r = client.post(
        edit,
        data={"_csrf_token": token, "slot": slot},
        files={f"doc-{slot}": (upload.name, upload.data, "application/octet-stream")},
        headers={"HX-Request": "true", "X-CSRFToken": token},
        timeout=300,
    )
    message = re.search(r'<p class="error"[^>]*>([^<]+)<', r.text)
    said = f": {message.group(1).strip()}" if message else ""
    return f"{upload.label} → HTTP {r.status_code}{said}"


def run_round(
    base: str,
    server_pid: int,
    cookies: httpx.Cookies,
    target: tuple[str, str, str],
    uploads: list[Upload],
) -> tuple[dict[int, int], dict[int, int], dict[int, int], list[str]]:
    before = worker_rss(server_pid)
    with Sampler(server_pid) as sampler, ThreadPoolExecutor(len(uploads)) as pool:
        clients = [httpx.Client(base_url=base, cookies=cookies) for _ in uploads]
        answers = list(
            pool.map(lambda cu: send(cu[0], *target, cu[1]), zip(clients, uploads, strict=True))
        )
        for c in clients:
            c.close()
    time.sleep(1.0)
    return before, sampler.peaks, worker_rss(server_pid), answers


def report(
    title: str,
    before: dict[int, int],
    peaks: dict[int, int],
    after: dict[int, int],
    answers: list[str],
) -> int:
    worker = max(peaks, key=lambda pid: peaks[pid])
    print(f"\n== {title}")
    for line in sorted(set(answers)):
        print(f"  {answers.count(line)} × {line}")
    print(
        f"  worker {worker}: RSS before {before.get(worker, 0) / MB:.0f} MB, "
        f"peak {peaks[worker] / MB:.0f} MB, one second after {after.get(worker, 0) / MB:.0f} MB"
        f"  ({'under' if peaks[worker] < BUDGET_MB * MB else 'OVER'} the {BUDGET_MB} MB budget)"
    )
    return peaks[worker]


def rounds(bombs: int, side: int, normal_count: int) -> list[tuple[str, list[Upload]]]:
    """What each round sends: hostile images, plus ordinary photos at the same time."""
    from backend.lib.imageheaders import WEBP_BYTES_PER_PIXEL
    from backend.lib.images import DECODE_BUDGET, configured_max_pixels

    photo = phone_photo()
    normal = [Upload("phone photo 4000×3000 JPEG", "anh.jpg", photo)] * normal_count
    also = f"+ {normal_count} photos of {len(photo) / MB:.1f} MB"
    budget = configured_max_pixels()
    bomb = image_of("PNG", side)
    png_side = math.isqrt(budget)
    png = image_of("PNG", png_side)
    webp_side = math.isqrt(DECODE_BUDGET // WEBP_BYTES_PER_PIXEL)
    webp = image_of("WEBP", webp_side)
    return [
        (
            f"{bombs} × {side}×{side} RGBA PNG of {len(bomb) / 1024:.0f} KB {also}",
            [Upload(f"bomb {side}²", "bomb.png", bomb)] * bombs + normal,
        ),
        (
            f"{bombs} × {png_side}×{png_side} RGBA PNG, just under the pixel budget of "
            f"{budget / 1e6:.1f} MP ({len(png) / 1024:.0f} KB) {also}",
            [Upload(f"PNG {png_side}²", "under.png", png)] * bombs + normal,
        ),
        (
            f"{bombs} × {webp_side}×{webp_side} RGBA lossless WebP, just under its memory "
            f"budget ({len(webp):,} bytes) {also}",
            [Upload(f"WebP {webp_side}²", "under.webp", webp)] * bombs + normal,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bombs", type=int, default=8, help="parallel hostile uploads")
    parser.add_argument("--side", type=int, default=7000, help="side of the bomb, in pixels")
    parser.add_argument("--normal", type=int, default=3, help="ordinary photos sent alongside")
    parser.add_argument("--repeat", type=int, default=1, help="play the rounds this many times")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="motcua-bomb-"))
    # Settings are read at import: the throw-away VAR_DIR first (default MAX_FILE_MB).
    os.environ["VAR_DIR"] = str(var)
    os.environ.pop("MAX_FILE_MB", None)
    sys.path.insert(0, str(ROOT))
    try:
        plan = rounds(args.bombs, args.side, args.normal) * args.repeat
        with live_server(var) as (base, server_pid):
            with httpx.Client(base_url=base) as client:
                target = open_draft(client)
                cookies = client.cookies
            print(f"server {server_pid}: RSS {worker_rss(server_pid)} (bytes, by process)")
            worst = 0
            for title, uploads in plan:
                figures = run_round(base, server_pid, cookies, target, uploads)
                worst = max(worst, report(title, *figures))
        print(f"\npeak worker RSS over all rounds: {worst / MB:.0f} MB (budget {BUDGET_MB} MB)")
    finally:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
