"""Fill English entries from a JSON file {"vietnamese": "english"} (a translator's helper).

Usage: python scripts/translate_missing.py translations.json
Prints the message ids that are still untranslated afterwards; exits 1 if there are any.
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "backend/translations/en/LC_MESSAGES/messages.po"


def main() -> int:
    given = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else {}
    with PO.open("rb") as f:
        catalog = read_po(f)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        empty = not message.string or (
            isinstance(message.string, tuple) and not all(message.string)
        )
        if empty and key in given:
            value = given[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
        elif empty:
            missing.append(key)
    with PO.open("wb") as f:
        write_po(f, catalog, width=100)
    for key in missing:
        print(key)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
