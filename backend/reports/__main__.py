"""python -m backend.reports rebuild: recompute every counter (daily and monthly) from the stored events
(after loading dossiers by other means, e.g. bench/generate.py, or to check the kept ones)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from backend.lib.db import database_pool
from backend.reports.counting import rebuild_all


async def _run() -> dict[str, int]:
    async with database_pool():
        return await rebuild_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.reports")
    parser.add_argument("command", choices=["rebuild"])
    parser.parse_args(argv)
    started = time.perf_counter()
    written = asyncio.run(_run())
    print(f"{written} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
