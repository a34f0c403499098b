"""Wording and formats across the pages (issue 12, item 20): dates read dd/mm/yyyy on every
page a dossier shows up on, never as ISO text; printed notices address the citizen as
"Ông/Bà" and the app's own pages as "bạn", never the other way round."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import Action, State
from tests.dossiers.factory import Factory
from tests.helpers import ROOT, Client, post_form, sign_in_as, soup

ISO = re.compile(r"\b20\d\d-\d\d-\d\d\b")
US = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2}\b(?!\d)")  # 12/4/26: an American short date


def visible_text(html: str) -> str:
    page = soup(html)
    for hidden in page.select("script, style, template, [hidden]"):
        hidden.decompose()
    return " ".join(page.get_text(" ").split())


async def test_no_page_of_a_dossier_prints_an_iso_date(client: Client) -> None:
    factory = await Factory().setup()
    dossier_id = await factory.create(State.SUPPLEMENTED)
    leader = factory.staff("stp", "leader")
    await factory.act(leader, dossier_id, Action.APOLOGIZE)
    pages = {
        factory.people["owner"]: [
            f"/dossiers/{dossier_id}",
            f"/dossiers/{dossier_id}/receipt",
            f"/dossiers/{dossier_id}/forms/02",
            f"/dossiers/{dossier_id}/forms/04",
            "/my/dossiers",
            "/inbox",
        ],
        factory.people["counter"]: [
            f"/staff/dossiers/{dossier_id}",
            f"/dossiers/{dossier_id}/forms/06",
            "/staff/register/",
            "/staff/queue?view=intake",
        ],
        leader: [f"/staff/dossiers/{dossier_id}", "/staff/queue"],
    }
    for person, urls in pages.items():
        await sign_in_as(client, person)
        for url in urls:
            r = await client.get(url)
            assert r.status_code == 200, (url, r.status_code)
            text = visible_text(r.text)
            assert not ISO.search(text), (url, ISO.search(text))
            assert not US.search(text), (url, US.search(text))
            if str(dossier_id) in url:  # the dossier's own pages do show dates, the local way
                assert re.search(r"\b\d{2}/\d{2}/20\d\d\b", text), url
    # The public lookup, anonymous.
    client.cookies.clear()
    found = (
        await Dossier.select(Dossier.code, Dossier.applicant_phone)
        .where(Dossier.id == dossier_id)
        .first()
    )
    assert found is not None
    await client.get("/track")
    r = await post_form(client, "/track", code=found["code"], phone=found["applicant_phone"])
    assert r.status_code == 200 and found["code"] in r.text
    assert not ISO.search(visible_text(r.text))


def test_printed_notices_say_ong_ba_and_the_app_says_ban() -> None:
    catalog = read_po((ROOT / "backend/translations/messages.pot").open("rb"))
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        files = {path for path, _ in message.locations}
        printed = any(f.endswith("dossiers/form.html") for f in files)
        elsewhere = any(not f.endswith("dossiers/form.html") for f in files)
        if printed:
            assert not re.search(r"\bbạn\b", message.id), (message.id, files)
        if elsewhere:
            assert "Ông/Bà" not in message.id, (message.id, files)
