"""The workflow table, tested from the table itself, without a database.

For every state, every action and every kind of person, `transitions.decide` (what `perform`
asks before writing anything) must give the row of TRANSITIONS that the rules below allow, or
refuse the way they say: 404 when the person may not even see the dossier, 403 when no row ever
lets this role do it (a manager only watches; nobody runs a system row by hand), 409 when no row
leaves this state by this action, 403 when a row exists but not for this person. The rules are
written here a second time, independently of backend.dossiers, so that a change to either shows.
What a row then writes is tested once per row against the database (test_transitions.py).

The dossiers belong to an agency "stp". In the FORWARDED state stp has consulted "sxd": sxd's
specialist gives it back; every other move stays with stp. One stp specialist holds the
dossier once taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.dossiers.transitions import decide
from backend.dossiers.workflow import (
    FINAL_STATES,
    OWNER,
    SYSTEM,
    TRANSITIONS,
    Action,
    State,
    Transition,
    find,
)
from backend.lib.errors import Conflict, Forbidden, NotFound, UserError

STP, SXD = 1, 2
HOLDER_ID = 13


@dataclass(frozen=True)
class Identity:
    key: str
    user: CurrentUser
    agency: int | None = None


def _person(key: str, uid: int, role: Role, agency: int | None = None) -> Identity:
    return Identity(key, CurrentUser(uid, key, key, role, None, agency), agency)


IDENTITIES = (
    _person("owner", 11, Role.CITIZEN),
    _person("other_citizen", 12, Role.CITIZEN),
    _person("stp.specialist", HOLDER_ID, Role.SPECIALIST, STP),
    _person("stp.specialist2", 14, Role.SPECIALIST, STP),
    _person("sxd.specialist", 15, Role.SPECIALIST, SXD),
    _person("stp.leader", 16, Role.LEADER, STP),
    _person("sxd.leader", 17, Role.LEADER, SXD),
    _person("counter", 18, Role.COUNTER),
    _person("manager", 19, Role.MANAGER),
    _person("admin", 20, Role.ADMIN),
    _person("postal", 21, Role.POSTAL),
)
HELD = (State.PROCESSING, State.SUPPLEMENTED)
# A draft is either the citizen's own (online, channel 2) or filed for them at the counter.
CHANNELS = {"online": 2, "walk_in": 1}


def dossier_in(state: State, channel: int = 2, supplements: int = 0) -> dict[str, Any]:
    return {
        "supplement_count": supplements,
        "id": 1,
        "citizen": 11,
        "state": state.value,
        "status": int(state.status),
        "channel": channel,
        "agency": STP,
        "handling_agency": SXD if state is State.FORWARDED else None,
        "assignee": HOLDER_ID if state in HELD else None,
        "version": 3,
    }


# --- the rules, written a second time ----------------------------------------------------------


def may_see(who: Identity, state: State, channel: int) -> bool:
    """The citizen sees their own; a draft nobody else, but a counter officer the one they are
    filing at the desk; the center's staff everything; agency staff their agency's dossiers
    and those forwarded to them; the post none through this table."""
    if who.key == "owner":
        return True
    role = who.user.role
    if state is State.DRAFT:
        return role is Role.COUNTER and channel == 1
    if role in (Role.COUNTER, Role.MANAGER, Role.ADMIN):
        return True
    if role in (Role.SPECIALIST, Role.LEADER):
        return who.agency == STP or (state is State.FORWARDED and who.agency == SXD)
    return False


def acting_agency(state: State, action: Action) -> int:
    return SXD if state is State.FORWARDED and action is Action.RETURN_FORWARD else STP


def ever_allowed(who: Identity, action: Action) -> bool:
    rows = [t for t in TRANSITIONS if t.action is action]
    if who.key == "owner" and any(OWNER in t.roles for t in rows):
        return True
    return any(who.user.role.value in t.roles for t in rows)


def may_run(who: Identity, state: State, row: Transition, supplements: int = 0) -> bool:
    if who.key == "owner" and OWNER in row.roles:
        return True
    if who.user.role.value not in row.roles:
        return False
    # Asking the citizen a second time for papers during processing is the leader's.
    second_request = (
        row.action is Action.REQUEST_SUPPLEMENT
        and row.target is State.PROCESSING_SUPPLEMENT
        and supplements >= 1
    )
    if second_request and who.user.role is not Role.LEADER:
        return False
    if who.user.role in (Role.SPECIALIST, Role.LEADER):
        if who.agency != acting_agency(state, row.action):
            return False
        if who.user.role is Role.SPECIALIST and state in HELD:
            return who.user.id == HOLDER_ID
    return True


def expected(
    who: Identity, state: State, action: Action, channel: int, supplements: int = 0
) -> Any:
    if not may_see(who, state, channel):
        return NotFound
    if not ever_allowed(who, action):
        return Forbidden
    row = find(state, action)
    if row is None:
        return Conflict
    return row if may_run(who, state, row, supplements) else Forbidden


def outcome(who: Identity, state: State, action: Action, channel: int, supplements: int = 0) -> Any:
    try:
        return decide(who.user, dossier_in(state, channel, supplements), action)
    except UserError as e:
        return type(e)


def test_decide_agrees_with_the_rules_for_every_state_action_and_person() -> None:
    """Every combination (some 3,900), all compared; the failure lists each disagreement."""
    wrong = []
    for state in State:
        for action in Action:
            for who in IDENTITIES:
                for name, channel in CHANNELS.items():
                    if state is not State.DRAFT and name == "walk_in":
                        continue
                    for supplements in (0, 1):  # a first or a second supplement request
                        want = expected(who, state, action, channel, supplements)
                        got = outcome(who, state, action, channel, supplements)
                        if got is not want:
                            wrong.append(
                                (state.value, action.value, who.key, name, supplements, want, got)
                            )
    assert not wrong, "\n".join(map(str, wrong[:40]))


# --- the table's own shape ---------------------------------------------------------------------


def test_every_row_is_runnable_by_somebody_or_by_the_system() -> None:
    succeeding = {
        (state, action)
        for state in State
        for action in Action
        for who in IDENTITIES
        for channel in CHANNELS.values()
        if isinstance(expected(who, state, action, channel), Transition)
    }
    person_rows = {(t.source, t.action) for t in TRANSITIONS if SYSTEM not in t.roles}
    assert succeeding == person_rows
    assert {t.action for t in TRANSITIONS} == set(Action)


def test_system_rows_are_never_offered_to_a_person() -> None:
    for t in TRANSITIONS:
        if SYSTEM in t.roles:
            assert t.roles == (SYSTEM,), t
            assert t.inputs == (), t


def test_one_row_per_state_and_action() -> None:
    keys = [(t.source, t.action) for t in TRANSITIONS]
    assert len(keys) == len(set(keys))


def test_every_state_is_reached_from_a_draft_and_every_open_state_has_a_way_out() -> None:
    reached, frontier = {State.DRAFT}, [State.DRAFT]
    while frontier:
        here = frontier.pop()
        for t in TRANSITIONS:
            if t.source is here and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(State)
    for state in set(State) - FINAL_STATES:
        assert any(t.source is state and t.target is not state for t in TRANSITIONS), state
    for state in FINAL_STATES:
        assert not any(t.source is state and t.target is not state for t in TRANSITIONS), state
