"""Vietnamese by default, English through a switch; the English catalogue is complete."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from tests.helpers import ROOT, Client, csrf, soup, text_of

TRANSLATIONS = ROOT / "backend" / "translations"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


POT = _read(TRANSLATIONS / "messages.pot")
PO = _read(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", locale="en")


def msg_key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def english(msgid: str, index: int = 0) -> str:
    """The English text the .po gives for a Vietnamese message id."""
    message = PO.get(msgid)
    assert message is not None and not message.fuzzy, msgid
    text = message.string if isinstance(message.string, str) else message.string[index]
    assert text, msgid
    return " ".join(text.split())


def lang_of(html: str) -> str:
    root = soup(html).select_one("html")
    assert root is not None
    return str(root["lang"])


async def switch(client: Client, code: str, **params: str) -> httpx.Response:
    return await client.get(f"/lang/{code}", params=params, follow_redirects=False)


# --- the switch --------------------------------------------------------------------------------


async def test_vietnamese_by_default(client: Client) -> None:
    r = await client.get("/")
    assert lang_of(r.text) == "vi"
    assert text_of(r.text, "header nav a") == ["Đăng nhập"]
    link = soup(r.text).select_one('footer a[lang="en"]')
    assert link is not None and link["href"] == "/lang/en?next=/"
    assert "lang" not in client.cookies


async def test_switch_to_english_and_back(client: Client) -> None:
    r = await switch(client, "en")
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    assert client.cookies["lang"] == "en"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("lang="))
    assert "max-age=" in cookie.lower()  # remembered, not only for this browser session

    page = await client.get("/")
    assert lang_of(page.text) == "en"
    assert text_of(page.text, "header nav a") == [english("Đăng nhập")]
    assert soup(page.text).select_one('footer a[lang="vi"]')["href"] == "/lang/vi?next=/"

    r = await switch(client, "vi")
    assert r.status_code == 303
    page = await client.get("/")
    assert lang_of(page.text) == "vi"
    assert text_of(page.text, "header nav a") == ["Đăng nhập"]


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/procedures?q=ho+chieu", "/procedures?q=ho+chieu"),
        ("/track", "/track"),
        ("//evil.example", None),
        ("https://evil.example/", None),
    ],
)
async def test_switch_returns_to_the_page_but_never_off_site(
    client: Client, next_url: str, expected: str | None
) -> None:
    r = await switch(client, "en", next=next_url)
    assert r.status_code == 303
    location = r.headers["location"]
    if expected is not None:
        assert location == expected
    else:
        assert location.startswith("/") and not location.startswith("//")
        assert "evil" not in location
    assert client.cookies["lang"] == "en"


@pytest.mark.parametrize("code", ["fr", "EN", "vi-VN", "xx"])
async def test_unknown_language_is_ignored(client: Client, code: str) -> None:
    r = await switch(client, code)
    assert r.status_code == 303
    assert "lang" not in client.cookies
    assert lang_of((await client.get("/")).text) == "vi"


async def test_unknown_language_cookie_falls_back_to_vietnamese(client: Client) -> None:
    client.cookies.set("lang", "fr")
    assert lang_of((await client.get("/")).text) == "vi"


# --- pages in English --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "msgid"),
    [
        ("/", 200, "Làm thủ tục hành chính ngay trên điện thoại"),
        ("/procedures", 200, "Tìm thủ tục"),
        ("/login", 200, "Đăng nhập"),
        ("/register", 200, "Tạo tài khoản"),
        ("/offline", 200, "Bạn đang ngoại tuyến"),
        ("/procedures/987654", 404, "Không tìm thấy"),
    ],
)
async def test_pages_render_in_english(client: Client, path: str, status: int, msgid: str) -> None:
    await switch(client, "en")
    r = await client.get(path)
    assert r.status_code == status
    assert lang_of(r.text) == "en"
    assert text_of(r.text, "h1") == [english(msgid)]


async def test_service_errors_are_translated_with_their_parameters(client: Client) -> None:
    await switch(client, "en")
    r = await client.post(
        "/register",
        data={
            "_csrf_token": await csrf(client),
            "phone": "0123",
            "full_name": "Test",
            "citizen_id": "",
            "password": "short",
            "password_again": "short",
        },
    )
    assert r.status_code == 422
    errors = {
        box.select_one("input")["name"]: " ".join(box.select_one(".error").get_text().split())
        for box in soup(r.text).select(".field.has-error")
    }
    assert errors == {
        "phone": english(
            "Số điện thoại không đúng. Số di động Việt Nam có 10 chữ số, ví dụ 0912 345 678."
        ),
        "password": english("Mật khẩu cần ít nhất {n} ký tự.").format(n=8),
    }


async def test_result_count_uses_english_plurals(client: Client) -> None:
    await switch(client, "en")
    msgid = "Tìm thấy %(num)d thủ tục"
    one = await client.get("/procedures", params={"q": "ho chieu"})
    many = await client.get("/procedures", params={"agency": "cat"})
    assert text_of(one.text, ".count") == [english(msgid, 0) % {"num": 1}]
    count = len(soup(many.text).select("a.item"))
    assert count > 1
    assert text_of(many.text, ".count") == [english(msgid, 1) % {"num": count}]


async def test_api_errors_follow_the_language_cookie(client: Client) -> None:
    await switch(client, "en")
    r = await client.get("/api/v1/dossiers")
    assert r.status_code == 401
    assert r.json()["detail"] == english("Vui lòng đăng nhập.")


# --- the catalogue itself ----------------------------------------------------------------------


def test_every_message_has_an_english_translation() -> None:
    ids = [msg_key(m) for m in POT if m.id]
    assert ids, "empty messages.pot"
    missing = []
    for msgid in ids:
        message = PO.get(msgid)
        strings = [] if message is None else [message.string]
        if message is not None and not isinstance(message.string, str):
            strings = list(message.string)
        if message is None or message.fuzzy or not strings or not all(s.strip() for s in strings):
            missing.append(msgid)
    assert not missing, f"{len(missing)} untranslated: {missing[:10]}"


_PLACEHOLDER = re.compile(r"\{(\w*)\}|%\((\w+)\)[sd]|%[sd]")


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in _PLACEHOLDER.finditer(text))


def test_translations_keep_the_placeholders() -> None:
    """A missing or renamed {n} or %(n)s crashes the page that shows the message."""
    wrong = []
    for message in PO:
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        targets = [message.string] if isinstance(message.string, str) else message.string
        for target in targets:
            if target and placeholders(target) != placeholders(source):
                wrong.append((source, target))
    assert not wrong, wrong


def test_messages_pot_is_up_to_date_with_the_sources() -> None:
    """Text added to the code or templates without `make extract-messages` stays Vietnamese."""
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found: set[str] = set()
    for folder, method_map, options in (
        ("backend", [("**.py", "python")], {}),
        (
            "frontend/templates",
            [("**.html", "jinja2")],
            {"**.html": {"extensions": "jinja2.ext.i18n"}},
        ),
    ):
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / folder), method_map, options, keywords=keywords
        ):
            found.add(message if isinstance(message, str) else message[0])
    in_pot = {msg_key(m) for m in POT if m.id}
    assert found, "nothing extracted"
    assert not found - in_pot, sorted(found - in_pot)
