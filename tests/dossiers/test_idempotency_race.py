"""Ten API submissions at once with one Idempotency-Key (issue 11, item 6): the key is claimed
before any file is stored, so one dossier is made with exactly the files of one request, and
every request gets its answer (the others wait for the first one's), never a 500."""

from __future__ import annotations

import asyncio

from backend.dossiers.tables import Dossier, DossierFile
from tests.dossiers.conftest import photo, procedure_with_documents
from tests.helpers import CITIZEN_PASSWORD, Client, api_headers, new_phone, register


async def signed_in_citizen(client: Client) -> dict[str, str]:
    """A new citizen's API headers."""
    phone = new_phone()
    await register(client, phone)
    return await api_headers(client, phone, CITIZEN_PASSWORD)


async def test_ten_parallel_submissions_make_one_dossier_with_the_files_sent(
    client: Client,
) -> None:
    signed_in = await signed_in_citizen(client)
    client.cookies.clear()
    proc = await procedure_with_documents(client)
    required = [d for d in proc["documents"] if d["required"]]
    # Two pages for the first document, one for the others.
    files = [(f"doc-{required[0]['id']}", ("p2.jpg", photo(800, 1000), "image/jpeg"))] + [
        (f"doc-{d['id']}", ("p.jpg", photo(), "image/jpeg")) for d in required
    ]
    headers = {**signed_in, "Idempotency-Key": "race-key-0001"}
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/dossiers",
                data={"procedure_id": str(proc["id"])},
                files=files,
                headers=headers,
            )
            for _ in range(10)
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 1 and set(codes) <= {200, 201}, codes
    assert len({a.json()["code"] for a in answers}) == 1
    dossiers = await Dossier.select(Dossier.id).where(
        Dossier.idempotency_key.like("%:race-key-0001")
    )
    assert len(dossiers) == 1
    attached = await DossierFile.count().where(DossierFile.dossier == dossiers[0]["id"])
    assert attached == len(files)


async def test_a_refused_submission_may_be_retried_with_the_same_key(client: Client) -> None:
    signed_in = await signed_in_citizen(client)
    client.cookies.clear()
    proc = await procedure_with_documents(client, min_required=2)
    required = [d for d in proc["documents"] if d["required"]]
    headers = {**signed_in, "Idempotency-Key": "retry-key-0001"}
    partial = [(f"doc-{required[0]['id']}", ("p.jpg", photo(), "image/jpeg"))]
    first = await client.post(
        "/api/v1/dossiers", data={"procedure_id": str(proc["id"])}, files=partial, headers=headers
    )
    assert first.status_code == 422
    complete = [(f"doc-{d['id']}", ("p.jpg", photo(), "image/jpeg")) for d in required]
    second = await client.post(
        "/api/v1/dossiers", data={"procedure_id": str(proc["id"])}, files=complete, headers=headers
    )
    assert second.status_code == 201, second.text
    rows = await Dossier.select(Dossier.id).where(Dossier.idempotency_key.like("%:retry-key-0001"))
    assert len(rows) == 1  # the refused try left no second draft
    assert await DossierFile.count().where(DossierFile.dossier == rows[0]["id"]) == len(complete)
