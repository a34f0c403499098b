"""Running rows of the workflow table on real dossiers (the database, the hash chain, the
listeners): one test per row, one per kind of refusal, and twenty officers at once.

Who may run what is tested without a database in test_workflow_grid.py; here each row is run
once, by somebody it allows, with valid inputs, and must write exactly what it says: the state
and status, one more version, one event (two for an electronic result, which is returned at
once), a message to the citizen when the row says so. A refused action must write nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.access.user import CurrentUser
from backend.dossiers import drafts, transitions
from backend.dossiers.inputs import ActionInput
from backend.dossiers.tables import Dossier, DossierEvent
from backend.dossiers.transitions import allowed, perform, perform_system
from backend.dossiers.workflow import OWNER, SYSTEM, TRANSITIONS, Action, State, Transition
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound, UserError
from backend.notifications.tables import Notification
from tests.dossiers.factory import PATHS, Factory, snapshot

# Who causes each system row (the post's worker, the leader who signs an electronic result).
SYSTEM_ACTORS = {
    Action.POST_HANDED_OVER: "counter",
    Action.POST_DELIVERED: "counter",
    Action.POST_RETURNED: "counter",
    Action.RESULT_AVAILABLE: "stp.leader",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Overrides the conftest one: nothing here signs in."""


async def dossier_in(factory: Factory, state: State, walk_in: bool = False) -> int:
    """A dossier of stp in `state`: by the factory's paths, or through the system rows."""
    if walk_in:
        counter = factory.people["counter"]
        proc = factory.procedures["stp"]
        dossier_id = await drafts.start_walk_in(counter, proc["id"], "0389999001", "Bà Ba")
        assert factory.photo is not None
        for doc in proc["required"]:
            await drafts.add_file(counter, dossier_id, doc, factory.photo, "trang.jpg")
        return dossier_id
    if state is State.WITH_POST:
        dossier_id = await factory.create(State.DONE)
        await perform_system(dossier_id, Action.POST_HANDED_OVER, factory.people["counter"])
        return dossier_id
    assert state is State.DRAFT or state in PATHS, state
    return await factory.create(state)


def someone_allowed(factory: Factory, dossier: dict[str, Any], row: Transition) -> CurrentUser:
    for user in factory.people.values():
        if allowed(user, dossier, row):
            return user
    raise AssertionError(f"nobody may run {row}")


async def last_event(dossier_id: int) -> dict[str, Any]:
    row = await (
        DossierEvent.select()
        .where(DossierEvent.dossier == dossier_id)
        .order_by(DossierEvent.seq, ascending=False)
        .first()
    )
    assert row is not None
    return row


ROWS = [pytest.param(t, id=f"{t.source.value}-{t.action.value}") for t in TRANSITIONS]


@pytest.mark.parametrize("row", ROWS)
async def test_row(row: Transition, factory: Factory) -> None:
    system = SYSTEM in row.roles
    dossier_id = await dossier_in(factory, row.source, walk_in=row.action is Action.INTAKE)
    before = await snapshot(dossier_id)
    if system:
        actor = factory.people[SYSTEM_ACTORS[row.action]]
        outcome = await perform_system(dossier_id, row.action, actor)
    else:
        actor = someone_allowed(factory, before.dossier, row)
        outcome = await perform(
            actor, dossier_id, row.action, await factory.inputs(dossier_id, row.action)
        )
    after = await snapshot(dossier_id)
    assert outcome.state is row.target
    assert (after.dossier["state"], after.dossier["status"]) == (
        row.target.value,
        int(row.target.status),
    )
    assert after.dossier["version"] == before.dossier["version"] + 1
    assert after.events == before.events + 1
    event = await last_event(dossier_id)
    assert (event["action"], event["state_from"], event["state_to"], event["actor"]) == (
        row.action.value,
        row.source.value,
        row.target.value,
        actor.id,
    )
    assert (event["from_status"], event["to_status"]) == (
        int(row.source.status),
        int(row.target.status),
    )
    owner = before.dossier["citizen"] == actor.id
    assert event["actor_role"] == (OWNER if owner else actor.role.value)
    assert after.notifications == before.notifications + (1 if row.notify else 0)
    if row.notify:
        note = (
            await Notification.select()
            .where(Notification.dossier == dossier_id)
            .order_by(Notification.id, ascending=False)
            .first()
        )
        assert note is not None and note["recipient"] == before.dossier["citizen"]
    if row.action in (Action.SUBMIT, Action.INTAKE):
        assert after.dossier["code"] and after.dossier["appointment_date"]
        assert (after.dossier["received_at"] is not None) is (row.action is Action.INTAKE)


async def test_an_electronic_result_is_returned_as_it_is_signed(factory: Factory) -> None:
    """DOMAIN: status 10 when the result is made available in the citizen's account."""
    dossier_id = await factory.create(State.AWAITING_SIGNATURE)
    before = await snapshot(dossier_id)
    inp = await factory.inputs(dossier_id, Action.APPROVE)
    inp.result_kind = "electronic"
    await perform(factory.people["stp.leader"], dossier_id, Action.APPROVE, inp)
    after = await snapshot(dossier_id)
    assert (after.dossier["state"], after.dossier["status"]) == ("returned", 10)
    assert after.events == before.events + 2
    assert (await last_event(dossier_id))["action"] == Action.RESULT_AVAILABLE.value
    # One message: the approval's, which tells the citizen to download it.
    assert after.notifications == before.notifications + 1


# --- refusals: each kind once, and nothing written ---------------------------------------------

REFUSALS = {
    "not visible to another citizen": (State.RECEIVED, "other_citizen", Action.TAKE, NotFound),
    "a manager only watches": (State.SUBMITTED, "manager", Action.ACCEPT, Forbidden),
    "no row from this state": (State.PROCESSING, "counter", Action.ACCEPT, Conflict),
    "a row, but another specialist holds it": (
        State.PROCESSING,
        "stp.specialist2",
        Action.DRAFT_RESULT,
        Forbidden,
    ),
    "a system row by hand": (State.DONE, "counter", Action.POST_HANDED_OVER, Forbidden),
}


@pytest.mark.parametrize(("case"), list(REFUSALS), ids=list(REFUSALS))
async def test_refused_and_nothing_written(case: str, factory: Factory) -> None:
    state, who, action, error = REFUSALS[case]
    dossier_id = await factory.create(state)
    before = await snapshot(dossier_id)
    with pytest.raises(UserError) as caught:
        await perform(
            factory.people[who], dossier_id, action, await factory.inputs(dossier_id, action)
        )
    assert type(caught.value) is error
    assert await snapshot(dossier_id) == before


async def test_missing_inputs_are_all_named_and_nothing_written(factory: Factory) -> None:
    dossier_id = await factory.create(State.PROCESSING)
    before = await snapshot(dossier_id)
    with pytest.raises(FormErrors) as caught:
        await perform(
            factory.people["stp.specialist"], dossier_id, Action.FORWARD, ActionInput(reason="x")
        )
    assert set(caught.value.by_field()) == {"reason", "agency"}
    assert await snapshot(dossier_id) == before


async def test_a_stale_page_and_files_for_an_action_without_files_are_refused(
    factory: Factory,
) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
    before = await snapshot(dossier_id)
    counter = factory.people["counter"]
    stale = ActionInput(expected_version=before.dossier["version"] - 1)
    with pytest.raises(Conflict):
        await perform(counter, dossier_id, Action.ACCEPT, stale)
    assert factory.pdf is not None
    with pytest.raises(FormErrors):
        await perform(
            counter, dossier_id, Action.ACCEPT, ActionInput(files=[(factory.pdf, "x.pdf")])
        )
    with pytest.raises(Forbidden):
        await perform_system(dossier_id, Action.ACCEPT, counter)
    assert await snapshot(dossier_id) == before


# Twenty people press "accept" at the same moment. All of them have read the dossier before any
# writes (a barrier after the read makes sure of it), so the pre-check of expected_version passes
# for all and the conditional update on the version alone decides: one wins, nineteen are told
# that somebody else was faster, and one event is written.


@pytest.mark.parametrize("with_version", [True, False], ids=["expected_version", "no_version"])
async def test_twenty_concurrent_accepts_one_wins(
    factory: Factory, with_version: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    dossier_id = await factory.create(State.SUBMITTED)
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
    assert await Dossier.count().where(Dossier.id == dossier_id) == 1
