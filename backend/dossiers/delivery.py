"""How the citizen receives the result: at the counter or by post, at an address chosen from
the official list of communes and wards."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.catalog import addresses
from backend.dossiers.tables import Dossier
from backend.lib.errors import Conflict, FormErrors, UserError
from backend.lib.i18n import N_
from backend.lib.validation import normalize_phone, require_text


@dataclass(frozen=True)
class Delivery:
    method: str = "counter"
    recipient_name: str = ""
    recipient_phone: str = ""
    street: str = ""
    ward: str = ""
    province: str = ""
    # The ward's official code (backend.catalog.addresses); `ward` is then its official name.
    ward_code: str = ""

    def as_columns(self) -> dict[Any, Any]:
        return {
            Dossier.delivery_method: self.method,
            Dossier.recipient_name: self.recipient_name,
            Dossier.recipient_phone: self.recipient_phone,
            Dossier.street: self.street,
            Dossier.ward: self.ward,
            Dossier.ward_code: self.ward_code,
            Dossier.delivery_province: self.province,
        }


CHOOSE_PROVINCE = N_("Vui lòng chọn tỉnh/thành phố trong danh sách.")


CHOOSE_WARD = N_("Vui lòng chọn xã/phường trong danh sách.")


WARD_NOT_IN_PROVINCE = N_("Xã/phường này không thuộc tỉnh/thành phố đã chọn.")


def _place(raw: Delivery) -> tuple[str, str, str, list[UserError]]:
    """(province short name, ward code, ward name) from what was chosen, and what is wrong.

    The ward comes from the official list by its code, never from typed text; the province is
    written the one official way ("Ninh Bình"). Unknown text is kept as typed, for a draft.
    """
    errors: list[UserError] = []
    text = " ".join(raw.province.split())[:60]
    code = raw.ward_code.strip()[:10]
    chosen = addresses.ward(code) if code else None
    province = addresses.find_province(text) if text else None
    if not text and chosen is not None:
        province = addresses.province(chosen.province_code)  # an API client sent the ward only
    if province is None:
        errors.append(UserError(CHOOSE_PROVINCE, field="province"))
    if chosen is None:
        errors.append(UserError(CHOOSE_WARD, field="ward_code"))
    elif province is not None and chosen.province_code != province.code:
        errors.append(UserError(WARD_NOT_IN_PROVINCE, field="ward_code"))
        chosen = None
    return (
        province.short if province else text,
        chosen.code if chosen else "",
        chosen.name if chosen else "",
        errors,
    )


def clean_delivery(raw: Delivery, allowed: list[str], strict: bool) -> Delivery:
    """Check the way to receive the result; `strict` also demands a complete postal address.

    A draft saves whatever was typed (strict=False) so that nothing is lost, except a ward
    that is not in the list or not in the province (it is left empty, to be chosen again);
    submitting checks.
    """
    method = raw.method if raw.method in ("counter", "post") else "counter"
    if method == "post" and "post" not in allowed:
        raise UserError(N_("Thủ tục này không trả kết quả qua bưu chính."), field="delivery_method")
    province, ward_code, ward, place_errors = _place(raw)
    trimmed = Delivery(
        method=method,
        recipient_name=" ".join(raw.recipient_name.split())[:120],
        recipient_phone=raw.recipient_phone.strip()[:20],
        street=" ".join(raw.street.split())[:200],
        ward=ward,
        province=province,
        ward_code=ward_code,
    )
    if not strict or method == "counter":
        return trimmed
    errors: list[UserError] = []
    phone = trimmed.recipient_phone
    checks = [
        lambda: require_text(
            trimmed.recipient_name, "recipient_name", N_("Vui lòng nhập tên người nhận.")
        ),
        lambda: normalize_phone(trimmed.recipient_phone, field="recipient_phone"),
        lambda: require_text(
            trimmed.street, "street", N_("Vui lòng nhập số nhà, đường, thôn/xóm.")
        ),
    ]
    for i, check in enumerate(checks):
        try:
            value = check()
            if i == 1:
                phone = value
        except UserError as e:
            errors.append(e)
    errors.extend(place_errors)
    if errors:
        raise FormErrors(errors)
    return dataclasses.replace(trimmed, recipient_phone=phone)


async def change_delivery(dossier: dict[str, Any], cleaned: Delivery, now: datetime) -> None:
    """A submitted dossier's new delivery choice (backend.postal checks when it may change),
    conditional on the version read, inside the caller's transaction."""
    updated = (
        await Dossier.update(
            {**cleaned.as_columns(), Dossier.updated_at: now, Dossier.version: Dossier.version + 1}
        )
        .where((Dossier.id == dossier["id"]) & (Dossier.version == dossier["version"]))
        .returning(Dossier.id)
    )
    if not updated:
        raise Conflict(CHANGED_MEANWHILE)


CHANGED_MEANWHILE = N_("Hồ sơ vừa thay đổi. Trang đã được tải lại với tình trạng mới nhất.")
