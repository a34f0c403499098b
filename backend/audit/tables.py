from __future__ import annotations

from piccolo.columns import Integer, Serial, Varchar
from piccolo.table import Table


class ChainHead(Table, tablename="audit_chain_head"):
    """The end of the event chain: one row, locked while an event is appended.

    (Until December 2026 this was `audit_head` in the dossiers app; the audit app's first
    migration copied its row here.)
    """

    id: Serial  # implicit primary key, declared for type checkers
    last_seq = Integer(default=0)
    last_hash = Varchar(length=64, default="")
