"""Postal fixtures: two post offices with their couriers, and dossiers whose paper result is
ready to go by post (made through the real services and workflow, no HTTP)."""

from __future__ import annotations

import base64
import io
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.catalog.tables import PostOffice, Procedure
from backend.dossiers import drafts, submission
from backend.dossiers.delivery import Delivery
from backend.dossiers.tables import Dossier
from backend.dossiers.transitions import perform
from backend.dossiers.workflow import Action, State
from backend.postal import handover
from backend.postal.tables import Shipment
from tests.dossiers.factory import Factory
from tests.helpers import make_user

PHU_LY = "13285"  # Phường Phủ Lý, Ninh Bình (served by office A)
HOA_LU = "14329"  # Phường Hoa Lư, served by no office in particular
_codes = itertools.count(1)


def signature_png() -> str:
    """A small drawn signature as the phone sends it: a PNG data: URL."""
    image = Image.new("RGB", (120, 40), "white")
    for x in range(10, 110):
        image.putpixel((x, 20 + (x % 7)), (0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@dataclass
class Postal:
    factory: Factory
    office_a: int
    office_b: int
    courier_a: CurrentUser
    courier_a2: CurrentUser
    courier_b: CurrentUser
    counter: CurrentUser
    leader: CurrentUser

    @property
    def owner(self) -> CurrentUser:
        return self.factory.people["owner"]

    async def ready(
        self, ward_code: str = PHU_LY, owner: CurrentUser | None = None, by_post: bool = True
    ) -> int:
        """A dossier whose paper result was just approved, to be delivered by post (or
        collected at the counter, by_post=False)."""
        owner = owner or self.owner
        f = self.factory
        dossier_id = await f.draft("stp", owner)
        if by_post:
            await drafts.save_delivery(
                owner,
                dossier_id,
                Delivery(
                    method="post",
                    recipient_name="Nguyễn Thị Nhận",
                    recipient_phone="0912000111",
                    street="Số 5 đường Lê Lợi",
                    province="Ninh Bình",
                    ward_code=ward_code,
                ),
            )
        await submission.submit(owner, dossier_id)
        for who, action in (
            ("counter", Action.ACCEPT),
            ("specialist", Action.TAKE),
            ("specialist", Action.DRAFT_RESULT),
        ):
            await f.act(f.people.get(who) or f.staff("stp", who), dossier_id, action)
        inp = await f.inputs(dossier_id, Action.APPROVE)
        inp.result_kind = "paper"
        await perform(self.leader, dossier_id, Action.APPROVE, inp)
        return dossier_id

    async def shipment(self, dossier_id: int) -> dict[str, Any]:
        row = (
            await Shipment.select(*Shipment.all_columns(), Shipment.dossier.code.as_alias("code"))
            .where(Shipment.dossier == dossier_id)
            .first()
        )
        assert row is not None
        return row

    async def dossier(self, dossier_id: int) -> dict[str, Any]:
        row = await Dossier.select().where(Dossier.id == dossier_id).first()
        assert row is not None
        return row

    async def handed_over(self, dossier_id: int, courier: CurrentUser | None = None) -> str:
        """Through the handover list signed by both sides; returns the parcel code."""
        courier = courier or self.courier_a
        parcel = await self.shipment(dossier_id)
        list_id = await handover.create_list(
            self.counter, courier.post_office_id or 0, [parcel["id"]]
        )
        await handover.confirm_list(courier, list_id, 1)
        return str(parcel["code"])


async def _office(code: str, name: str, wards: str) -> int:
    row = await PostOffice.select(PostOffice.id).where(PostOffice.code == code).first()
    if row:
        return int(row["id"])
    office = PostOffice(code=code, name=name, address="", phone="", ward_codes=wards, active=True)
    await office.save()
    return int(office.id)


@pytest.fixture(scope="module")
async def postal(database: None) -> Postal:
    f = await Factory().setup()
    # The factory's procedure must offer delivery by post.
    await Procedure.update({Procedure.result_delivery: "counter,post"}).where(
        Procedure.id == f.procedures["stp"]["id"]
    )
    office_a = await _office("T-BD-A", "Bưu điện thử A", PHU_LY)
    office_b = await _office("T-BD-B", "Bưu điện thử B", "")
    suffix = next(_codes)
    return Postal(
        factory=f,
        office_a=office_a,
        office_b=office_b,
        courier_a=await make_user(Role.POSTAL, f"t.buuta.a{suffix}", post_office=office_a),
        courier_a2=await make_user(Role.POSTAL, f"t.buuta.a2{suffix}", post_office=office_a),
        courier_b=await make_user(Role.POSTAL, f"t.buuta.b{suffix}", post_office=office_b),
        counter=f.people["counter"],
        leader=f.staff("stp", "leader"),
    )


__all__ = ["HOA_LU", "PHU_LY", "Postal", "State", "signature_png"]
