"""Write backend/catalog/data/wards.csv from the `vietnamadminunits` package (MIT licence).

The list is the official one after 1 July 2025: 34 provinces and 3,321 communes, wards and
special zones, with the General Statistics Office codes. Shipping it as data keeps that package
(and its geometry dependencies) out of the app. To refresh after a new resolution:

    pip install vietnamadminunits && python scripts/export_wards.py
"""

from __future__ import annotations

import csv
import sqlite3
from importlib.util import find_spec
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "backend" / "catalog" / "data" / "wards.csv"


def main() -> None:
    spec = find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install vietnamadminunits first")
    db = Path(next(iter(spec.submodule_search_locations))) / "data" / "dataset.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT DISTINCT provinceCode, province, wardCode, ward FROM admin_units "
            "ORDER BY provinceCode, wardCode"
        ).fetchall()
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["province_code", "province", "ward_code", "ward"])
        writer.writerows(rows)
    print(f"{len(rows)} wards written to {OUT}")


if __name__ == "__main__":
    main()
