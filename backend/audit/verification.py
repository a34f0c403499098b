"""Everything `python -m backend.audit verify` checks, in order, stopping at the first problem:

1. every line of the checkpoint file is a checkpoint signed with a known key (the current
   signing key or a retired one);
2. every registered chain: sequence without gaps, each event following the previous one, each
   hash matching its content under the key the event names (or plain SHA-256 for the events
   written before keys existed, which only come first), each checkpoint's hash found at its
   sequence, nothing missing after the last event a checkpoint or the head saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.audit.chain import Anchor, Break, registered
from backend.audit.checkpoints import parse, path, problem_with, read_all
from backend.audit.keys import signers


@dataclass
class Outcome:
    events: int = 0
    checkpoints: int = 0
    problem: str | None = None  # one line naming the first problem


@dataclass
class _Signed:
    anchors: dict[str, list[Anchor]] = field(default_factory=dict)
    count: int = 0
    problem: str | None = None


def signed_checkpoints() -> _Signed:
    """The file's checkpoints as anchors per chain, or the first line that cannot be trusted."""
    known, names = signers(), {chain.name for chain in registered()}
    found = _Signed()
    for number, text in read_all():
        try:
            checkpoint = parse(text, number)
        except ValueError as e:
            found.problem = f"line {number}: {e}"
            return found
        problem = problem_with(checkpoint, known)
        if problem is None and checkpoint.chain not in names:
            problem = f"names an unknown chain {checkpoint.chain!r}"
        if problem is not None:
            found.problem = f"line {number} ({checkpoint.at}, sequence {checkpoint.seq}): {problem}"
            return found
        found.anchors.setdefault(checkpoint.chain, []).append(checkpoint.anchor())
        found.count += 1
    return found


def describe(chain: str, broken: Break, checked: int) -> str:
    where = f"event id {broken.event_id}" if broken.event_id is not None else "chain end"
    return (
        f"audit chain {chain} BROKEN at {where} (sequence {broken.seq}): {broken.reason}; "
        f"{checked} events before it are intact"
    )


async def verify_all() -> Outcome:
    signed = signed_checkpoints()
    if signed.problem is not None:
        return Outcome(0, signed.count, f"audit checkpoints BROKEN: {path()} {signed.problem}")
    outcome = Outcome(checkpoints=signed.count)
    for chain in registered():
        checked, broken = await chain.verify(signed.anchors.get(chain.name, []))
        outcome.events += checked
        if broken is not None:
            outcome.problem = describe(chain.name, broken, checked)
            return outcome
    return outcome
