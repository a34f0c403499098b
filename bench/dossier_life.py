"""One generated dossier's life, for bench/generate.py: a plan of steps in time, replayed step
by step with the same column changes as backend.dossiers.effects, so that the dossier row is
what the workflow would have left after the steps that happened before `now` (the rest are cut:
that is how ~2% stay open at the end).

Steps are rows of backend.dossiers.workflow (checked against its table) plus the postal steps
that keep the state (`postal.created`, ...), as backend.postal records them.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from backend.dossiers.codes import format_code
from backend.dossiers.events import as_json
from backend.dossiers.workflow import OWNER, SYSTEM, Action, State, find
from backend.lib.workdays import VIETNAM_TZ, WorkCalendar, appointment_date

CUTOFF = time(15, 0)
ACTIONS = frozenset(a.value for a in Action)
REPLY_DAYS = 10  # settings.supplement_reply_working_days
SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trịnh",
]
MIDDLE = [
    "Văn",
    "Thị",
    "Minh",
    "Quang",
    "Thu",
    "Ngọc",
    "Đức",
    "Hồng",
    "Thanh",
    "Xuân",
    "Hải",
    "Anh",
]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vinh",
    "Yến",
]
REASONS = {
    "intake": "Thiếu bản sao giấy tờ tùy thân có chứng thực.",
    "supplement": "Đề nghị bổ sung bản chính để đối chiếu.",
    "second": "Hồ sơ bổ sung chưa đủ thông tin theo quy định; đề nghị bổ sung lần hai.",
    "refuse": "Hồ sơ không thuộc thẩm quyền giải quyết.",
    "stop": "Có văn bản đề nghị dừng của cơ quan có thẩm quyền.",
    "withdraw": "Tôi muốn rút hồ sơ để nộp lại sau.",
    "forward": "Lấy ý kiến cơ quan phối hợp.",
    "returned": "Đã có ý kiến thống nhất.",
    "send_back": "Đề nghị chỉnh sửa nội dung dự thảo.",
    "apology": "Hồ sơ cần xác minh thêm tại cơ sở.",
}


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


@dataclass(frozen=True)
class Proc:
    id: int
    agency: int
    days: int
    cutoff: bool
    commune: bool
    full_online: bool
    delivery: frozenset[str]
    documents: tuple[int, ...]


@dataclass
class Cast:
    """Who acts: ids of users and the codes of the places they act from."""

    counter_officers: list[tuple[int, int]]  # (user id, counter id)
    specialists: dict[int, list[int]]  # agency id -> user ids
    leaders: dict[int, list[int]]
    postal: list[tuple[int, str]]  # (user id, post office code)
    agency_codes: dict[int, str]
    committees: list[tuple[int, str, str]]  # (agency id, agency code, ward code)
    wards: list[tuple[str, str]]  # (ward code, ward name) of the province
    forward_targets: list[str]  # agency codes a dossier may be forwarded to
    committee_names: dict[int, str]


@dataclass
class Step:
    at: datetime
    action: str  # an Action value, or "postal.<step>" (a step that keeps the state)
    actor: int | None
    role: str
    place: str = ""
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    # The inputs the effect needs (new date, result kind, assignee, commune...).
    inp: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=200_000)
def _add(cal: WorkCalendar, start: date, n: int) -> date:
    return cal.add_working_days(start, n)


def local(moment: datetime) -> date:
    return moment.astimezone(VIETNAM_TZ).date()


def at_local(day: date, minute: int, second: int = 0) -> datetime:
    return datetime.combine(day, time(0), VIETNAM_TZ).astimezone(UTC) + timedelta(
        minutes=minute, seconds=second
    )


class Cursor:
    """Moments that only move forward: a later minute the same day, or working hours later."""

    def __init__(self, rng: random.Random, cal: WorkCalendar, start: datetime) -> None:
        self.rng, self.cal, self.now = rng, cal, start

    def on(self, day: date) -> datetime:
        today = local(self.now)
        if day <= today and (
            self.now.astimezone(VIETNAM_TZ).time() >= time(16, 45)
            or not self.cal.is_working_day(today)
        ):
            day = self.cal.next_working_day(today)
        if day <= today:
            moment = self.now + timedelta(
                minutes=self.rng.randint(2, 40), seconds=self.rng.randint(0, 59)
            )
        else:
            moment = at_local(day, self.rng.randint(450, 990), self.rng.randint(0, 59))
        self.now = moment
        return moment

    def right_after(self) -> datetime:
        self.now = self.now + timedelta(seconds=1)
        return self.now


class Life:
    """Plans one dossier and replays the plan up to `now`."""

    def __init__(
        self,
        rng: random.Random,
        cal: WorkCalendar,
        cast: Cast,
        proc: Proc,
        channel: int,
        filed_at: datetime,
        citizen: int,
        citizen_phone: str,
    ) -> None:
        self.rng, self.cal, self.cast, self.proc = rng, cal, cast, proc
        self.channel, self.filed_at, self.citizen = channel, filed_at, citizen
        self.phone = citizen_phone
        self.steps: list[Step] = []
        self.cur = Cursor(rng, cal, filed_at)
        self.specialist = rng.choice(cast.specialists[proc.agency])
        self.leader = rng.choice(cast.leaders[proc.agency])
        self.officer = rng.choice(cast.counter_officers)
        self.committee: tuple[int, str, str] | None = (
            rng.choice(cast.committees) if proc.commune and cast.committees else None
        )
        self.choose_delivery()

    # -- planning --------------------------------------------------------------------------

    def add(self, at: datetime, action: str, actor: int | None, role: str, **kw: Any) -> Step:
        step = Step(at, action, actor, role, **kw)
        self.steps.append(step)
        return step

    def _deciding(self) -> int:
        return self.committee[0] if self.committee else self.proc.agency

    def _staff(self, role: str) -> tuple[int, str]:
        agency = self._deciding()
        pool = self.cast.specialists if role == "specialist" else self.cast.leaders
        if agency != self.proc.agency:
            return self.rng.choice(pool[agency]), self.cast.agency_codes[agency]
        who = self.specialist if role == "specialist" else self.leader
        return who, self.cast.agency_codes[agency]

    def _by(self, at: datetime, action: Action, role: str, **kw: Any) -> Step:
        who, place = self._staff(role)
        return self.add(at, action.value, who, role, place=place, **kw)

    def _counter(self, at: datetime, action: Action, **kw: Any) -> Step:
        return self.add(at, action.value, self.officer[0], "counter", **kw)

    def _commune_input(self) -> dict[str, Any]:
        return {"commune": self.committee} if self.committee else {}

    def plan(self) -> None:
        if self.channel == 1:
            self._counter(self.filed_at, Action.INTAKE, inp=self._commune_input())
            received = self.filed_at
        else:
            received_or_none = self._plan_online()
            if received_or_none is None:
                return
            received = received_or_none
        start = self.cal.add_working_days(local(received), 0)
        if not self.cal.is_working_day(local(received)) or (
            self.proc.cutoff and received.astimezone(VIETNAM_TZ).time() >= CUTOFF
        ):
            start = self.cal.next_working_day(local(received))
        self._plan_processing(start)

    def _plan_online(self) -> datetime | None:
        rng, cur = self.rng, self.cur
        self.add(self.filed_at, Action.SUBMIT.value, self.citizen, OWNER)
        if self.channel == 3:  # the papers come by post (backend.postal.pickups)
            courier, office = rng.choice(self.cast.postal)
            self.add(
                cur.right_after(),
                "postal.pickup_booked",
                self.citizen,
                OWNER,
                data={"shipment_from": "", "shipment_to": "booked"},
            )
            day = _add(self.cal, local(self.filed_at), rng.randint(1, 2))
            self.add(
                cur.on(day),
                "postal.pickup_collected",
                courier,
                "postal",
                place=office,
                data={"shipment_from": "booked", "shipment_to": "collected"},
            )
            day = _add(self.cal, day, 1)
            self.add(
                cur.on(day),
                "postal.pickup_handed_in",
                courier,
                "postal",
                place=office,
                data={"shipment_from": "collected", "shipment_to": "handed_in"},
            )
        day = _add(self.cal, local(cur.now), rng.choice((0, 0, 1, 1, 2)))
        if rng.random() < 0.05:
            self._counter(
                cur.on(day),
                Action.REQUEST_SUPPLEMENT,
                note=REASONS["intake"],
                inp={"reason": REASONS["intake"]},
            )
            day = _add(self.cal, local(cur.now), rng.randint(1, 4))
            self.add(cur.on(day), Action.SUPPLEMENT.value, self.citizen, OWNER, inp={"files": 2})
            day = _add(self.cal, day, rng.randint(0, 1))
        roll = rng.random()
        if roll < 0.02:
            self._counter(cur.on(day), Action.REFUSE, note=REASONS["refuse"])
            return None
        if roll < 0.023:
            self.add(
                cur.on(day), Action.WITHDRAW.value, self.citizen, OWNER, note=REASONS["withdraw"]
            )
            return None
        return self._counter(cur.on(day), Action.ACCEPT, inp=self._commune_input()).at

    def _plan_processing(self, start: date) -> None:
        """Working-day offsets from the start of the clock: offset x falls on the x-th working
        day after `start`, pushed by the days waited for the citizen (effects._supplement)."""
        rng, cur, days = self.rng, self.cur, self.proc.days
        late = rng.random() < 0.013
        finish = (
            days + rng.randint(1, 6)
            if late
            else max(0, days - int(rng.expovariate(1 / max(1.0, days * 0.35))))
        )
        finish = min(finish, days) if not late else finish
        paused = 0  # working days waited so far

        def day_of(x: int) -> date:
            return _add(self.cal, start, x + paused)

        if rng.random() < 0.6:
            self._by(cur.on(day_of(0)), Action.TAKE, "specialist")
        else:
            spec, _ = self._staff("specialist")
            self._by(cur.on(day_of(0)), Action.ASSIGN, "leader", inp={"assignee": spec})
        ending = rng.random()
        if ending < 0.015:
            at = day_of(rng.randint(0, max(0, finish)))
            if ending < 0.008:
                self.add(
                    cur.on(at), Action.WITHDRAW.value, self.citizen, OWNER, note=REASONS["withdraw"]
                )
            else:
                self._by(cur.on(at), Action.STOP, "leader", note=REASONS["stop"])
            return
        supplements = 0
        if rng.random() < 0.10 and finish > 0:
            supplements = 2 if rng.random() < 0.09 else 1
        if rng.random() < 0.08 and finish > 1:
            self._by(
                cur.on(day_of(rng.randint(0, finish - 1))),
                Action.FORWARD,
                "specialist",
                note=REASONS["forward"],
                inp={"agency": rng.choice(self.cast.forward_targets)},
            )
            self._by(
                cur.on(day_of(finish - 1)),
                Action.RETURN_FORWARD,
                "specialist",
                note=REASONS["returned"],
            )
        for n in range(supplements):
            at = max(local(cur.now), day_of(rng.randint(0, max(0, finish - 1))))
            self._by(
                cur.on(at),
                Action.REQUEST_SUPPLEMENT,
                "leader" if n else "specialist",
                note=REASONS["second" if n else "supplement"],
                inp={"reason": REASONS["second" if n else "supplement"]},
            )
            wait = rng.randint(1, 8)
            back = _add(self.cal, local(cur.now), wait)
            self.add(
                cur.on(back),
                Action.SUPPLEMENT.value,
                self.citizen,
                OWNER,
                inp={"files": rng.randint(1, 3)},
            )
            paused += wait
            self._by(cur.on(_add(self.cal, back, rng.randint(0, 1))), Action.RECHECK, "specialist")
        late = late or supplements >= 2
        if late and days >= 2 and rng.random() < 0.6:
            when = max(local(cur.now), day_of(days - 1))
            extra = max(1, finish - days)
            new_date = _add(self.cal, day_of(days), rng.randint(extra, extra + 3))
            self._by(
                cur.on(when),
                Action.APOLOGIZE,
                "leader",
                note=REASONS["apology"],
                inp={"new_date": new_date},
            )
        done_day = max(local(cur.now), day_of(finish))
        self._by(cur.on(done_day), Action.DRAFT_RESULT, "specialist")
        if rng.random() < 0.04:
            self._by(cur.on(done_day), Action.SEND_BACK, "leader", note=REASONS["send_back"])
            self._by(cur.on(done_day), Action.DRAFT_RESULT, "specialist")
        self._plan_result(done_day)

    def _plan_result(self, done_day: date) -> None:
        rng, cur, proc = self.rng, self.cur, self.proc
        electronic = "electronic" in proc.delivery and (
            rng.random() < (0.75 if self.channel == 2 else 0.25)
            or proc.delivery <= {"electronic", "on-site"}
        )
        kind = "electronic" if electronic else "paper"
        approve = self._by(cur.on(done_day), Action.APPROVE, "leader", inp={"result_kind": kind})
        approve.data = {"result_kind": kind, "files": 1}
        if electronic:
            self.add(cur.right_after(), Action.RESULT_AVAILABLE.value, None, SYSTEM)
            return
        if self.delivery == "post":
            courier, office = rng.choice(self.cast.postal)
            self.add(
                cur.right_after(),
                "postal.created",
                approve.actor,
                "leader",
                place=approve.place,
                data={"shipment_from": "", "shipment_to": "created"},
            )
            day = _add(self.cal, done_day, rng.randint(0, 1))
            self.add(
                cur.on(day),
                Action.POST_HANDED_OVER.value,
                courier,
                "postal",
                place=office,
                data={"shipment_from": "created", "shipment_to": "handed_over"},
            )
            day = _add(self.cal, day, rng.randint(1, 2))
            self.add(
                cur.on(day),
                "postal.out_for_delivery",
                courier,
                "postal",
                place=office,
                data={"shipment_from": "handed_over", "shipment_to": "out_for_delivery"},
            )
            self.add(
                cur.on(day),
                Action.POST_DELIVERED.value,
                courier,
                "postal",
                place=office,
                data={"shipment_from": "out_for_delivery", "shipment_to": "delivered"},
            )
            return
        day = _add(self.cal, done_day, rng.choice((0, 1, 1, 2, 3, 5)))
        self._counter(
            cur.on(day),
            Action.HAND_OVER,
            data={
                "receiver_name": self.name,
                "receiver_id": f"0{rng.randint(10**10, 10**11 - 1)}",
                "receiver_relation": "self",
            },
        )

    # -- the row ---------------------------------------------------------------------------

    def choose_delivery(self) -> None:
        rng = self.rng
        self.name = person(rng)
        post_share = 0.5 if self.channel == 3 else 0.12
        self.delivery = (
            "post" if "post" in self.proc.delivery and rng.random() < post_share else "counter"
        )
        self.columns: dict[str, Any] = {
            "delivery_method": self.delivery,
            "recipient_name": "",
            "recipient_phone": "",
            "street": "",
            "ward": "",
            "ward_code": "",
            "delivery_province": "",
        }
        if self.delivery == "post":
            ward_code, ward_name = rng.choice(self.cast.wards)
            self.columns.update(
                recipient_name=self.name,
                recipient_phone=self.phone,
                street=f"Số {rng.randint(1, 300)} đường {rng.choice(GIVEN)}",
                ward=ward_name,
                ward_code=ward_code,
                delivery_province="Ninh Bình",
            )


def replay(
    life: Life, dossier_id: int, now: datetime, day_seq: dict[str, int], unit: str
) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The dossier row and its events (without seq/hashes) after the steps done by `now`."""
    d: dict[str, Any] = {
        "id": dossier_id,
        "code": None,
        "procedure": life.proc.id,
        "citizen": life.citizen,
        "status": 0,
        "state": State.DRAFT.value,
        "version": 0,
        "agency": None,
        "handling_agency": None,
        "assignee": None,
        "channel": life.channel,
        "applicant_name": life.name,
        "applicant_phone": life.phone,
        "created_at": life.filed_at
        - timedelta(minutes=life.rng.randint(3, 90) if life.channel != 1 else 5),
        "updated_at": life.filed_at,
        "submitted_at": None,
        "appointment_date": None,
        "promised_date": None,
        "received_at": None,
        "register_number": None,
        "finished_at": None,
        "paused_at": None,
        "supplement_count": 0,
        "supplement_request": "",
        "late": False,
        "on_time": None,
        "due_soon_alerted_on": None,
        "result_kind": "",
        **life.columns,
        "idempotency_key": None,
    }
    events: list[tuple[Any, ...]] = []
    for step in life.steps:
        if step.at > now:
            break
        state = State(d["state"])
        data = dict(step.data)
        note = step.note
        if step.action not in ACTIONS:  # a postal step that keeps the state (postal.created)
            target = state
        else:
            action = Action(step.action)
            row = find(state, action)
            assert row is not None, (state, action)
            target = row.target
            note = _apply(life, d, action, step, data, note, row.source, day_seq, unit) or note
            d.update(
                state=target.value,
                status=int(target.status),
                version=d["version"] + 1,
                updated_at=step.at,
            )
        events.append(
            (
                dossier_id,
                step.at,
                step.actor,
                step.role,
                step.place,
                step.action,
                int(state.status),
                int(target.status),
                state.value,
                target.value,
                note[:2000],
                as_json(data),
            )
        )
    return d, events


def _finished(d: dict[str, Any], at: datetime) -> None:
    due = d["promised_date"] or d["appointment_date"]
    on_time = not d["late"] and (due is None or local(at) <= due)
    d.update(finished_at=at, on_time=on_time, late=not on_time)


def _due(life: Life, at: datetime) -> date:
    return appointment_date(
        at, life.proc.days, life.cal, CUTOFF if life.proc.cutoff else None, VIETNAM_TZ
    )


def _apply(
    life: Life,
    d: dict[str, Any],
    action: Action,
    step: Step,
    data: dict[str, Any],
    note: str,
    source: State,
    day_seq: dict[str, int],
    unit: str,
) -> str:
    """effects.py, column for column; returns the event's note when the effect gives one."""
    at, inp, cal = step.at, step.inp, life.cal
    out = ""
    if action in (Action.SUBMIT, Action.INTAKE):
        day = local(at)
        scope = f"{unit}-{day:%y%m%d}"
        day_seq[scope] = day_seq.get(scope, 0) + 1
        d.update(
            agency=life.proc.agency,
            submitted_at=at,
            appointment_date=_due(life, at),
            code=format_code(unit, day, day_seq[scope]),
        )
        if action is Action.INTAKE:
            d.update(received_at=at, promised_date=d["appointment_date"])
    elif action is Action.ACCEPT:
        due = _due(life, at)
        data.update(appointment_before=d["appointment_date"], appointment_after=due)
        d.update(received_at=at, appointment_date=due, promised_date=due, late=False)
    elif action is Action.REQUEST_SUPPLEMENT:
        count = d["supplement_count"] + (0 if source is State.SUBMITTED else 1)
        reply_by = cal.add_working_days(local(at), REPLY_DAYS)
        docs = list(life.proc.documents[: life.rng.randint(1, 2)])
        request = {"reason": inp["reason"], "documents": docs, "reply_by": reply_by.isoformat()}
        d.update(
            paused_at=at,
            supplement_count=count,
            supplement_request=json.dumps(request, ensure_ascii=False),
        )
        if count >= 2:
            d["late"] = True
        data.update(request, supplement_count=count)
    elif action is Action.SUPPLEMENT:
        due = d["appointment_date"]
        if source is State.PROCESSING_SUPPLEMENT and due and d["paused_at"]:
            waited = cal.working_days_between(local(d["paused_at"]), local(at))
            new_due = cal.add_working_days(due, waited) if waited else due
            if d["promised_date"] and waited:
                d["promised_date"] = cal.add_working_days(d["promised_date"], waited)
            d["appointment_date"] = new_due
            data.update(appointment_before=due, appointment_after=new_due, waited_days=waited)
        d["paused_at"] = None
        data["files"] = inp.get("files", 1)
    elif action is Action.TAKE:
        d["assignee"] = step.actor
    elif action is Action.ASSIGN:
        d["assignee"] = inp["assignee"]
        data["assignee"] = inp["assignee"]
    elif action is Action.FORWARD:
        code = inp["agency"]
        d["handling_agency"] = next(
            (i for i, c in life.cast.agency_codes.items() if c == code), None
        )
        data["agency"] = code
    elif action is Action.RETURN_FORWARD:
        d["handling_agency"] = None
    elif action is Action.APPROVE:
        d["result_kind"] = inp["result_kind"]
        _finished(d, at)
    elif action in (Action.REFUSE, Action.STOP):
        _finished(d, at)
    elif action is Action.WITHDRAW:
        d["finished_at"] = at
    elif action is Action.APOLOGIZE:
        data.update(appointment_before=d["appointment_date"], appointment_after=inp["new_date"])
        d.update(appointment_date=inp["new_date"], late=True)
    if action in (Action.INTAKE, Action.ACCEPT) and "commune" in inp:
        agency_id, agency_code, ward_code = inp["commune"]
        d["agency"] = agency_id
        data.update(commune=ward_code, deciding_agency=agency_code)
        out = f"Chuyển hồ sơ đến {life.cast.committee_names[agency_id]} giải quyết."
    if action in (Action.REFUSE, Action.REQUEST_SUPPLEMENT, Action.STOP, Action.WITHDRAW):
        data.setdefault("reason", note)
    return out
