"""The postal tariff: what the citizen pays the post, shown before they confirm.

An administrator edits the rows (/admin/postal-tariff); a missing row falls back to the default here,
so a fresh install quotes something sensible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.lib.i18n import N_
from backend.postal.tables import PostalTariff
from backend.settings import get_settings

DELIVERY_IN_PROVINCE = "delivery_in_province"
DELIVERY_OTHER_PROVINCE = "delivery_other_province"
PICKUP = "pickup"

# service: (label, default fee in đồng, default payment)
SERVICES: dict[str, tuple[str, int, str]] = {
    DELIVERY_IN_PROVINCE: (N_("Gửi kết quả trong tỉnh"), 25_000, "on_delivery"),
    DELIVERY_OTHER_PROVINCE: (N_("Gửi kết quả đến tỉnh khác"), 35_000, "on_delivery"),
    PICKUP: (N_("Thu gom hồ sơ giấy tại địa chỉ"), 25_000, "in_advance"),
}

PAYMENT_LABELS: dict[str, str] = {
    "on_delivery": N_("trả khi nhận (thu hộ)"),
    "in_advance": N_("trả trước cho nhân viên bưu điện"),
}


@dataclass(frozen=True)
class Quote:
    service: str
    fee_vnd: int
    payment: str

    @property
    def label(self) -> str:
        return SERVICES[self.service][0]

    @property
    def payment_label(self) -> str:
        return PAYMENT_LABELS.get(self.payment, self.payment)


async def tariff() -> dict[str, Quote]:
    """Every service with its current fee (administrator's row, else the default)."""
    rows: dict[str, dict[str, Any]] = {r["service"]: r for r in await PostalTariff.select()}
    quotes = {}
    for service, (_label, fee, payment) in SERVICES.items():
        row = rows.get(service)
        quotes[service] = Quote(
            service, row["fee_vnd"] if row else fee, row["payment"] if row else payment
        )
    return quotes


def delivery_service(province: str) -> str:
    same = province.strip().casefold() == get_settings().province.strip().casefold()
    return DELIVERY_IN_PROVINCE if same or not province.strip() else DELIVERY_OTHER_PROVINCE


async def quote_delivery(province: str) -> Quote:
    return (await tariff())[delivery_service(province)]


async def quote_pickup() -> Quote:
    return (await tariff())[PICKUP]


async def save(service: str, fee_vnd: int, payment: str, note: str = "") -> None:
    """An administrator's change: one row per service, created on first edit."""
    if service not in SERVICES or payment not in PAYMENT_LABELS or fee_vnd < 0:
        raise ValueError(service)
    updated = (
        await PostalTariff.update(
            {PostalTariff.fee_vnd: fee_vnd, PostalTariff.payment: payment, PostalTariff.note: note}
        )
        .where(PostalTariff.service == service)
        .returning(PostalTariff.id)
    )
    if not updated:
        await PostalTariff.insert(
            PostalTariff(service=service, fee_vnd=fee_vnd, payment=payment, note=note)
        )
