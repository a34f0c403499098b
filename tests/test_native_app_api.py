"""What a native app needs (issue 15): rate a dossier and read the rating, download a
dossier's files by the URL the dossier lists, list and delete drafts; as a client would, with
a bearer token and JSON."""

from __future__ import annotations

from backend.dossiers.tables import Dossier
from backend.dossiers.workflow import State
from tests.dossiers.factory import Factory
from tests.helpers import Client, bearer


async def code_of(dossier_id: int) -> str:
    row = await Dossier.select(Dossier.code).where(Dossier.id == dossier_id).first()
    assert row is not None
    return str(row["code"])


async def test_rating_a_dossier(client: Client, factory: Factory) -> None:
    owner = factory.people["owner"]
    headers = await bearer(owner)
    waiting = await code_of(await factory.create(State.PROCESSING))
    early = await client.get(f"/api/v1/dossiers/{waiting}/rating", headers=headers)
    assert early.status_code == 200 and early.json()["may_rate"] is False
    refused = await client.put(
        f"/api/v1/dossiers/{waiting}/rating", json={"level": 5}, headers=headers
    )
    assert refused.status_code == 409

    done = await code_of(await factory.create(State.RETURNED))
    r = await client.put(
        f"/api/v1/dossiers/{done}/rating",
        json={"level": 2, "criteria": {"timeliness": "bad"}, "comment": "Chờ lâu"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    rating = r.json()["rating"]
    assert (rating["level"], rating["satisfied"], rating["comment"]) == (2, False, "Chờ lâu")
    assert rating["criteria"] == {"timeliness": "bad"} and rating["may_change"] is True
    bad = await client.put(f"/api/v1/dossiers/{done}/rating", json={"level": 9}, headers=headers)
    assert bad.status_code == 422
    again = await client.get(f"/api/v1/dossiers/{done}/rating", headers=headers)
    assert again.json()["rating"]["level"] == 2
    # Somebody else's dossier is not there for them.
    stranger = await bearer(factory.people["other_citizen"])
    assert (
        await client.get(f"/api/v1/dossiers/{done}/rating", headers=stranger)
    ).status_code == 404


async def test_files_by_the_url_the_dossier_lists(client: Client, factory: Factory) -> None:
    owner = factory.people["owner"]
    headers = await bearer(owner)
    code = await code_of(await factory.create(State.SUBMITTED))
    dossier = (await client.get(f"/api/v1/dossiers/{code}", headers=headers)).json()
    files = [f for d in dossier["documents"] for f in d["files"]]
    assert files and all(f["url"] == f"/api/v1/dossiers/{code}/files/{f['id']}" for f in files)
    got = await client.get(files[0]["url"], headers=headers)
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("image/jpeg")
    assert got.content[:3] == b"\xff\xd8\xff"
    stranger = await bearer(factory.people["other_citizen"])
    assert (await client.get(files[0]["url"], headers=stranger)).status_code == 404


async def test_drafts_listed_and_deleted(client: Client, factory: Factory) -> None:
    owner = factory.people["owner"]
    headers = await bearer(owner)
    draft = await factory.create(State.DRAFT)
    listed = (await client.get("/api/v1/drafts", headers=headers)).json()
    assert draft in [d["id"] for d in listed]
    stranger = await bearer(factory.people["other_citizen"])
    assert (await client.delete(f"/api/v1/drafts/{draft}", headers=stranger)).status_code == 404
    assert (await client.delete(f"/api/v1/drafts/{draft}", headers=headers)).status_code == 204
    assert not await Dossier.exists().where(Dossier.id == draft)
    submitted = await factory.create(State.SUBMITTED)
    assert (await client.delete(f"/api/v1/drafts/{submitted}", headers=headers)).status_code == 409
