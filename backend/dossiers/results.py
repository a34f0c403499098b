"""Results in the citizen's hands: an electronic result is returned the moment it is signed.

DOMAIN (Decree 61/2018 art. 19, as amended; Decision 766 counts it so): an electronic result
reaches status 10 when it is made available in the citizen's account, which happens as the
leader approves it. A paper result waits at the counter (HAND_OVER) or goes by post.
"""

from __future__ import annotations

from backend.dossiers.listeners import Change
from backend.dossiers.transitions import perform_system
from backend.dossiers.workflow import Action


async def electronic_result_available(change: Change) -> None:
    """Listener of APPROVE: run the RESULT_AVAILABLE row in the same transaction."""
    if change.data.get("result_kind") == "electronic":
        await perform_system(change.after["id"], Action.RESULT_AVAILABLE, change.actor)
