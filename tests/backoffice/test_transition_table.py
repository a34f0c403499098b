"""The workflow table, tested from the table itself.

For every state a dossier really reaches, every action and every kind of person: when a row of
TRANSITIONS allows it, perform() with valid inputs moves the dossier to the row's target (and
writes one event, and a notification when the row says so); otherwise it is refused — 404 when
the person may not even see the dossier, 409 when no row leaves this state by this action, 403
when a row exists but not for this person, or when no row ever lets this role do it (a manager
only watches) — and nothing at all is written.

The dossiers belong to a procedure of stp (Sở Tư pháp). In the FORWARDED state stp has
consulted sxd: sxd's specialist gives it back; every other move stays with stp.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.dossiers import transitions
from backend.dossiers.tables import DossierEvent
from backend.dossiers.transitions import ActionInput, perform
from backend.dossiers.workflow import OWNER, TRANSITIONS, Action, State, Transition, find
from backend.lib.errors import Conflict, Forbidden, NotFound, UserError
from backend.notifications.tables import Notification
from tests.backoffice.factory import REACHABLE, Factory, Snapshot, snapshot


@dataclass(frozen=True)
class Identity:
    key: str  # Factory.people key
    role: Role
    agency: str | None = None
    holds_it: bool = False  # the specialist who took the dossier (PATHS: the stp specialist)


IDENTITIES = (
    Identity("owner", Role.CITIZEN),
    Identity("other_citizen", Role.CITIZEN),
    Identity("counter", Role.COUNTER),
    Identity("stp.specialist", Role.SPECIALIST, "stp", holds_it=True),
    Identity("stp.specialist2", Role.SPECIALIST, "stp"),
    Identity("sxd.specialist", Role.SPECIALIST, "sxd"),
    Identity("stp.leader", Role.LEADER, "stp"),
    Identity("sxd.leader", Role.LEADER, "sxd"),
    Identity("manager", Role.MANAGER),
    Identity("admin", Role.ADMIN),
)
HOME = "stp"
CONSULTED = "sxd"  # where the FORWARDED dossier is
# The stp specialist took the dossier on its way (factory.PATHS) and holds it from then on; in
# these states only the holder among the specialists may act (the leader reassigns).
HELD = (State.PROCESSING, State.SUPPLEMENTED)


def acting_agency(state: State, action: Action) -> str:
    """While forwarded, the consulted agency only gives the dossier back."""
    return CONSULTED if state is State.FORWARDED and action is Action.RETURN_FORWARD else HOME


def may_see(who: Identity, state: State) -> bool:
    """Who sees a dossier: the citizen their own; a draft (filed online) nobody else; the
    center's staff everything; agency staff their agency's dossiers and those forwarded to
    them."""
    if who.key == "owner":
        return True
    if state is State.DRAFT or who.role is Role.CITIZEN:
        return False
    if who.role in (Role.COUNTER, Role.MANAGER, Role.ADMIN):
        return True
    return who.agency == HOME or (state is State.FORWARDED and who.agency == CONSULTED)


def may_run(who: Identity, state: State, row: Transition) -> bool:
    if who.key == "owner":
        return OWNER in row.roles
    if who.role.value not in row.roles:
        return False
    if who.role in (Role.SPECIALIST, Role.LEADER):
        if who.agency != acting_agency(state, row.action):
            return False
        if who.role is Role.SPECIALIST and state in HELD:
            return who.holds_it
    return True


def ever_allowed(who: Identity, action: Action) -> bool:
    """Some row lets this role (or the owner) do it at all; otherwise 403 whatever the step."""
    rows = [t for t in TRANSITIONS if t.action is action]
    if who.key == "owner":
        return any(OWNER in t.roles for t in rows)
    return any(who.role.value in t.roles for t in rows)


def expected(who: Identity, state: State, action: Action) -> Transition | type[UserError]:
    if not may_see(who, state):
        return NotFound
    if not ever_allowed(who, action):
        return Forbidden
    row = find(state, action)
    if row is None:
        return Conflict
    return row if may_run(who, state, row) else Forbidden


CASES = [
    pytest.param(state, action, who, id=f"{state.value}-{action.value}-{who.key}")
    for state in REACHABLE
    for action in Action
    for who in IDENTITIES
]


class Dossiers:
    """One shared dossier per state for the refused cases (they change nothing; one that did
    is replaced), and a fresh one for every case that succeeds.

    Thousands of refused cases run one after the other, so the snapshot taken after one is the
    "before" of the next on the same dossier, as long as nothing was written in between (any
    dossier made for a succeeding case forgets them all).
    """

    KEYS = ("state", "assignee", "handling_agency")

    def __init__(self, factory: Factory) -> None:
        self.factory = factory
        self.shared: dict[State, tuple[int, Snapshot]] = {}
        self.last: dict[int, Snapshot] = {}
        self._inputs: dict[tuple[int, int, Action], ActionInput] = {}

    async def fresh(self, state: State) -> int:
        self.last.clear()
        return await self.factory.create(state)

    async def for_refusal(self, state: State) -> tuple[int, Snapshot]:
        """The shared dossier in `state` and its snapshot now."""
        if state in self.shared:
            dossier_id, first = self.shared[state]
            now = self.last.pop(dossier_id, None) or await snapshot(dossier_id)
            if all(now.dossier[k] == first.dossier[k] for k in self.KEYS):
                return dossier_id, now
        dossier_id = await self.fresh(state)
        now = await snapshot(dossier_id)
        self.shared[state] = (dossier_id, now)
        return dossier_id, now

    def unchanged(self, dossier_id: int, after: Snapshot) -> None:
        self.last[dossier_id] = after

    async def inputs(self, dossier_id: int, version: int, action: Action) -> ActionInput:
        key = (dossier_id, version, action)
        if key not in self._inputs:
            self._inputs[key] = await self.factory.inputs(dossier_id, action)
        return self._inputs[key]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Overrides the conftest one: nothing here signs in or is rate limited, and emptying the
    table before each of these thousands of cases would double the module's time on SQLite."""


@pytest.fixture(scope="module")
async def factory(database: None) -> Factory:
    return await Factory().setup()


@pytest.fixture(scope="module")
async def dossiers(factory: Factory) -> Dossiers:
    return Dossiers(factory)


def test_the_cases_cover_the_whole_table() -> None:
    """Every state a row names is reached, and every row succeeds for somebody below."""
    assert {t.source for t in TRANSITIONS} | {t.target for t in TRANSITIONS} <= set(REACHABLE)
    # WITH_POST is entered and left only by the postal lifecycle (tests/postal), where no
    # row of this table applies.
    assert set(REACHABLE) | {State.WITH_POST} == set(State)
    assert not [t for t in TRANSITIONS if State.WITH_POST in (t.source, t.target)]
    assert {t.action for t in TRANSITIONS} == set(Action)
    succeeding = {
        (state, action)
        for state in REACHABLE
        for action in Action
        for who in IDENTITIES
        if isinstance(expected(who, state, action), Transition)
    }
    assert succeeding == {(t.source, t.action) for t in TRANSITIONS}


@pytest.mark.parametrize(("state", "action", "who"), CASES)
async def test_transition(
    state: State, action: Action, who: Identity, factory: Factory, dossiers: Dossiers
) -> None:
    outcome = expected(who, state, action)
    user: CurrentUser = factory.people[who.key]
    if isinstance(outcome, Transition):
        dossier_id = await dossiers.fresh(state)
        before = await snapshot(dossier_id)
        inp = await factory.inputs(dossier_id, action)
        result = await perform(user, dossier_id, action, inp)
        after = await snapshot(dossier_id)
        target = outcome.target
        assert result.state is target
        assert after.dossier["state"] == target.value
        assert after.dossier["status"] == int(target.status)
        assert after.dossier["version"] == before.dossier["version"] + 1
        assert after.events == before.events + 1
        event = (
            await DossierEvent.select()
            .where(DossierEvent.dossier == dossier_id)
            .order_by(DossierEvent.seq, ascending=False)
            .first()
        )
        assert event is not None
        assert (event["action"], event["state_from"], event["state_to"], event["actor"]) == (
            action.value,
            state.value,
            target.value,
            user.id,
        )
        assert (event["from_status"], event["to_status"]) == (int(state.status), int(target.status))
        assert event["actor_role"] == (OWNER if who.key == "owner" else who.role.value)
        notes = (
            await Notification.select()
            .where(Notification.dossier == dossier_id)
            .order_by(Notification.id)
        )
        assert len(notes) == before.notifications + (1 if outcome.notify else 0)
        if outcome.notify:
            assert notes[-1]["kind"] == f"dossier.{action.value}"
            assert notes[-1]["recipient"] == factory.people["owner"].id
        return

    dossier_id, before = await dossiers.for_refusal(state)
    inp = await dossiers.inputs(dossier_id, before.dossier["version"], action)
    with pytest.raises(UserError) as caught:
        await perform(user, dossier_id, action, inp)
    assert type(caught.value) is outcome, caught.value.render()
    after = await snapshot(dossier_id)
    assert after == before
    dossiers.unchanged(dossier_id, after)


# Twenty people press "accept" at the same moment. All of them have read the dossier before any
# writes (a barrier after the read makes sure of it), so the pre-check of expected_version passes
# for all and the conditional update on the version alone decides: one wins, nineteen are told
# that somebody else was faster, and one event is written.


@pytest.mark.parametrize("with_version", [True, False], ids=["expected_version", "no_version"])
async def test_twenty_concurrent_accepts_one_wins(
    dossiers: Dossiers, factory: Factory, with_version: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    dossier_id = await dossiers.fresh(State.SUBMITTED)
    before = await snapshot(dossier_id)
    version = before.dossier["version"]
    counter = factory.people["counter"]
    inputs = []
    for _ in range(20):
        inp = await factory.inputs(dossier_id, Action.ACCEPT)
        inp.expected_version = version if with_version else None
        inputs.append(inp)

    barrier = asyncio.Barrier(20)
    read = transitions.load

    async def load_together(dossier_id: int) -> dict[str, Any]:
        row = await read(dossier_id)
        await asyncio.wait_for(barrier.wait(), timeout=30)
        return row

    monkeypatch.setattr(transitions, "load", load_together)
    results = await asyncio.gather(
        *(perform(counter, dossier_id, Action.ACCEPT, inp) for inp in inputs),
        return_exceptions=True,
    )
    monkeypatch.undo()
    wins = [r for r in results if not isinstance(r, BaseException)]
    losses = [r for r in results if isinstance(r, BaseException)]
    assert len(wins) == 1, results
    assert len(losses) == 19
    assert all(isinstance(e, Conflict) for e in losses), [repr(e) for e in losses]
    assert {e.message for e in losses if isinstance(e, Conflict)} == {transitions.STALE}
    after = await snapshot(dossier_id)
    assert after.dossier["state"] == State.RECEIVED.value
    assert after.dossier["version"] == version + 1
    assert after.events == before.events + 1
    assert after.notifications == before.notifications + 1
    assert int(after.counts["last_seq"]) == int(before.counts["last_seq"] or 0) + 1
