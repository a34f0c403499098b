"""The signed-in person, as handlers, services and templates see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.access.roles import Role


@dataclass(frozen=True)
class CurrentUser:
    id: int
    login: str
    full_name: str
    role: Role
    phone: str | None
    agency_id: int | None
    post_office_id: int | None = None

    @property
    def is_citizen(self) -> bool:
        return self.role is Role.CITIZEN

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CurrentUser:
        return cls(
            id=row["id"],
            login=row["login"],
            full_name=row["full_name"],
            role=Role(row["role"]),
            phone=row["phone"],
            agency_id=row["agency"],
            post_office_id=row.get("post_office"),
        )
