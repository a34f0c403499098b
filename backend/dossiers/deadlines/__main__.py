"""python -m backend.dossiers.deadlines: run the deadline watch once (for cron)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from backend import wiring
from backend.dossiers.deadlines import check
from backend.lib.db import database_pool


async def _run() -> dict[str, int]:
    async with database_pool():
        return await check()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.dossiers.deadlines")
    parser.parse_args(argv)
    wiring.connect()  # the warnings are written by other domains' listeners
    print(asyncio.run(_run()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
