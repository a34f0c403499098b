"""Exit 0 when the PostgreSQL server at the given URL answers, 1 otherwise."""

import asyncio
import sys

import asyncpg


async def ping(url: str) -> None:
    conn = await asyncio.wait_for(asyncpg.connect(url), timeout=5)
    await conn.close()


try:
    asyncio.run(ping(sys.argv[1]))
except Exception as e:  # any failure means "not reachable" here
    print(f"PostgreSQL not reachable: {e}", file=sys.stderr)
    sys.exit(1)
