"""python -m backend.accounts create-user --role ROLE --login LOGIN --password PASSWORD
[--name NAME] [--agency CODE]

How a real deployment makes its first administrator; citizens' logins are phone numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from backend.access.roles import Role
from backend.accounts.services import create_user
from backend.lib.errors import UserError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.accounts")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="create an account")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--login", required=True, help="phone number for citizens")
    create.add_argument("--password", required=True)
    create.add_argument("--name", default="")
    create.add_argument("--agency", default=None, help="agency code, for agency staff")
    args = parser.parse_args(argv)
    try:
        user = asyncio.run(
            create_user(
                role=Role(args.role),
                login=args.login,
                password=args.password,
                full_name=args.name or args.login,
                agency_code=args.agency,
            )
        )
    except UserError as e:
        print(f"error: {e.render()}", file=sys.stderr)
        return 1
    print(f"created {user.role} {user.login} (id {user.id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
