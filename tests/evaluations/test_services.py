"""Rules of the evaluation services: who defines, who scores whom, bounds, closed periods."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from backend.evaluations import (
    assignments,
    criteria_sets,
    periods,
    queries,
    results,
    rules,
    schemas,
    scoring,
)
from backend.evaluations.aggregate import Kind, Weights
from backend.evaluations.tables import Evaluation, EvaluationPeriod, EvaluationScore
from backend.lib.errors import Conflict, Forbidden, FormErrors, NotFound, UserError
from tests.evaluations.conftest import People, make_period, make_set, score_fields


def messages(error: UserError) -> dict[str, str]:
    return (
        error.by_field() if isinstance(error, FormErrors) else {error.field or "_": error.message}
    )


# --- scores typed by people --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("8", D("8")), ("7,5", D("7.5")), ("7.25", D("7.25")), (" 10 ", D("10")), ("0", D("0"))],
)
def test_scores_accept_the_usual_ways_of_writing_a_number(raw: str, value: D) -> None:
    assert schemas.parse_score(raw, 10, "score-1") == value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Vui lòng nhập điểm cho tiêu chí này."),
        ("tám", "Điểm phải là một số, ví dụ 8 hoặc 7,5."),
        ("7,5,1", "Điểm phải là một số, ví dụ 8 hoặc 7,5."),
        ("10.5", "Điểm phải từ 0 đến 10."),
        ("11", "Điểm phải từ 0 đến 10."),
        ("-1", "Điểm phải từ 0 đến 10."),
        ("7,125", "Điểm chỉ lấy tối đa hai chữ số sau dấu phẩy."),
    ],
)
def test_scores_out_of_bounds_or_not_numbers_are_refused(raw: str, message: str) -> None:
    with pytest.raises(UserError) as e:
        schemas.parse_score(raw, 10, "score-1")
    assert e.value.render() == message
    assert e.value.field == "score-1"


def test_every_bad_score_is_reported_at_once() -> None:
    criteria = [{"id": 1, "max_score": 10}, {"id": 2, "max_score": 5}, {"id": 3, "max_score": 5}]
    with pytest.raises(FormErrors) as e:
        schemas.parse_scores(criteria, {"score-1": "12", "score-2": "", "score-3": "4"})
    assert messages(e.value) == {
        "score-1": "Điểm phải từ 0 đến 10.",
        "score-2": "Vui lòng nhập điểm cho tiêu chí này.",
    }


def test_criteria_set_form_is_checked_row_by_row() -> None:
    data = {"name": " ", "rows": "4"}
    rows = [
        {"label": "Tinh thần phối hợp", "max": "10"},
        {"label": "", "max": "5"},
        {"label": "tinh thần phối hợp", "max": "0"},
        {"label": "", "max": ""},  # an empty row is left out
    ]
    with pytest.raises(FormErrors) as e:
        schemas.parse_set(data, rows)
    assert messages(e.value) == {
        "name": "Vui lòng nhập tên bộ tiêu chí.",
        "label-1": "Vui lòng nhập tên tiêu chí.",
        "label-2": "Tiêu chí này trùng tên với một tiêu chí ở trên.",
        "max-2": "Điểm tối đa là một số nguyên từ 1 đến 100.",
    }
    with pytest.raises(FormErrors) as e:
        schemas.parse_set({"name": "Bộ trống"}, [{"label": "", "max": ""}])
    assert messages(e.value) == {"criteria": "Bộ tiêu chí cần ít nhất một tiêu chí."}


def test_period_weights_must_add_up_to_100_over_the_chosen_kinds() -> None:
    base = {"name": "Quý I/2026", "starts_on": "2026-01-01", "ends_on": "2026-03-31"}
    form = {**base, "criteria_set": "1", "kind_cross": "1", "kind_center": "1"}
    with pytest.raises(FormErrors) as e:
        schemas.parse_period({**form, "weight_cross": "40", "weight_center": "40"})
    assert e.value.by_field() == {
        "weights": "Tổng trọng số của các hình thức được chọn phải bằng 100 (hiện là 80)."
    }
    # Self-assessment not chosen: its weight (whatever was typed) counts 0.
    ok = schemas.parse_period(
        {**form, "weight_cross": "60", "weight_center": "40", "weight_self": "20"}
    )
    assert (ok.weights.cross, ok.weights.center, ok.weights.self_eval) == (60, 40, 0)
    assert ok.kinds == (Kind.CROSS, Kind.CENTER)
    with pytest.raises(FormErrors) as e:
        schemas.parse_period({**base, "starts_on": "2026-04-01", "ends_on": "2026-03-31"})
    assert e.value.by_field() == {
        "ends_on": "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu.",
        "criteria_set": "Vui lòng chọn bộ tiêu chí.",
        "kinds": "Vui lòng chọn ít nhất một hình thức đánh giá.",
    }


# --- who may do what ---------------------------------------------------------------------------


async def test_only_the_manager_defines_sets_and_periods(people: People) -> None:
    set_id = await make_set(people.manager)
    data = schemas.SetInput(name="Bộ khác", description="", criteria=[("Phối hợp", 10)])
    for user in (people.leader_snv, people.specialist_snv, people.counter, people.admin):
        with pytest.raises(Forbidden):
            await criteria_sets.save_set(user, None, data)
        with pytest.raises(Forbidden):
            await criteria_sets.save_set(user, set_id, data)
        with pytest.raises(Forbidden):
            await periods.save_period(
                user,
                None,
                schemas.PeriodInput(
                    "Quý", *_dates(), criteria_set=set_id, kinds=(Kind.SELF,), weights=_w()
                ),
            )
    period = await make_period(people.manager, set_id, open_it=False)
    for user in (people.leader_snv, people.specialist_snv, people.admin):
        with pytest.raises(Forbidden):
            await periods.set_status(user, period["id"], "open")
    assert (await queries.load_period(period["id"]))["status"] == "draft"


def _dates() -> tuple[object, object]:
    from datetime import date

    return date(2026, 1, 1), date(2026, 3, 31)


def _w() -> Weights:
    return Weights(cross=0, center=0, self_eval=100)


async def test_a_leader_scores_other_agencies_never_their_own(people: People) -> None:
    period = await make_period(people.manager)
    snv, sct = people.agency["snv"], people.agency["sct"]
    with pytest.raises(Forbidden) as e:
        await scoring.submit(
            people.leader_snv, period["id"], Kind.CROSS, snv, score_fields(period, "9", "5")
        )
    assert "không chấm điểm chéo cho chính mình" in e.value.message
    # A specialist, a counter officer or the manager do not score agencies crosswise.
    for user in (people.specialist_snv, people.counter, people.manager):
        with pytest.raises(Forbidden):
            await scoring.submit(
                user, period["id"], Kind.CROSS, sct, score_fields(period, "9", "5")
            )
    # Only the manager scores for the center.
    with pytest.raises(Forbidden):
        await scoring.submit(
            people.leader_snv, period["id"], Kind.CENTER, sct, score_fields(period, "9", "5")
        )
    assert await Evaluation.count().where(Evaluation.period == period["id"]) == 0


async def test_a_leader_submits_only_for_their_own_agency(people: People) -> None:
    """Whatever the form says, the evaluating agency is the leader's own: the Sở Nội vụ
    leader's form about Sở Công Thương is Sở Nội vụ's, never another agency's."""
    period = await make_period(people.manager)
    snv, sct, syt = people.agency["snv"], people.agency["sct"], people.agency["syt"]
    fields = {**score_fields(period, "8", "4"), "evaluator_agency": str(syt), "agency": str(syt)}
    total = await scoring.submit(people.leader_snv, period["id"], Kind.CROSS, sct, fields)
    assert total == D("12")
    rows = await Evaluation.select().where(Evaluation.period == period["id"])
    assert [(r["evaluator_agency"], r["target_agency"], r["evaluator"]) for r in rows] == [
        (snv, sct, people.leader_snv.id)
    ]
    # The Sở Công Thương leader's form about Sở Y tế is a separate one (another evaluator).
    await scoring.submit(
        people.leader_sct, period["id"], Kind.CROSS, syt, score_fields(period, "6", "3")
    )
    rows = await Evaluation.select().where(Evaluation.period == period["id"])
    assert sorted((r["evaluator_agency"], r["target_agency"]) for r in rows) == sorted(
        [(snv, sct), (sct, syt)]
    )


async def test_submitting_again_edits_the_same_form(people: People) -> None:
    period = await make_period(people.manager)
    sct = people.agency["sct"]
    await scoring.submit(
        people.leader_snv, period["id"], Kind.CROSS, sct, score_fields(period, "8", "4")
    )
    await scoring.submit(
        people.leader_snv,
        period["id"],
        Kind.CROSS,
        sct,
        {**score_fields(period, "9,5", "5"), "comment": "Phối hợp tốt"},
    )
    rows = await Evaluation.select().where(Evaluation.period == period["id"])
    assert len(rows) == 1
    assert (rows[0]["total"], rows[0]["comment"]) == (D("14.5"), "Phối hợp tốt")
    scores = await EvaluationScore.select(EvaluationScore.score).where(
        EvaluationScore.evaluation == rows[0]["id"]
    )
    assert sorted(D(s["score"]) for s in scores) == [D("5"), D("9.5")]


async def test_self_assessment_is_for_officials(people: People) -> None:
    period = await make_period(people.manager)
    for user in (people.specialist_snv, people.leader_snv, people.counter):
        await scoring.submit(user, period["id"], Kind.SELF, None, score_fields(period, "9", "4"))
    with pytest.raises(Forbidden):
        await scoring.submit(
            people.manager, period["id"], Kind.SELF, None, score_fields(period, "9", "4")
        )
    rows = await Evaluation.select().where(Evaluation.period == period["id"])
    assert sorted((r["target_user"], r["target_agency"]) for r in rows) == sorted(
        [
            (people.specialist_snv.id, people.agency["snv"]),
            (people.leader_snv.id, people.agency["snv"]),
            (people.counter.id, None),
        ]
    )


async def test_a_closed_period_refuses_changes(people: People) -> None:
    period = await make_period(people.manager)
    sct = people.agency["sct"]
    await scoring.submit(
        people.leader_snv, period["id"], Kind.CROSS, sct, score_fields(period, "8", "4")
    )
    await periods.set_status(people.manager, period["id"], "close")
    with pytest.raises(Conflict) as e:
        await scoring.submit(
            people.leader_snv, period["id"], Kind.CROSS, sct, score_fields(period, "1", "1")
        )
    assert e.value.message == "Kỳ đánh giá đã khóa nên không thể nộp hay sửa phiếu nữa."
    with pytest.raises(Conflict):
        await scoring.submit(
            people.specialist_snv, period["id"], Kind.SELF, None, score_fields(period, "1", "1")
        )
    row = await Evaluation.select(Evaluation.total).where(Evaluation.period == period["id"]).first()
    assert row is not None and D(row["total"]) == D("12")
    # Nor can its definition change; closing twice is refused too.
    edit = schemas.parse_period(
        {**schemas.period_values(period), "name": "Đổi tên", "kind_cross": "1"}
    )
    with pytest.raises(Conflict):
        await periods.save_period(people.manager, period["id"], edit)
    with pytest.raises(Conflict):
        await periods.set_status(people.manager, period["id"], "close")
    # Reopened, it takes forms again.
    await periods.set_status(people.manager, period["id"], "open")
    await scoring.submit(
        people.leader_snv, period["id"], Kind.CROSS, sct, score_fields(period, "1", "1")
    )


async def test_a_draft_period_takes_no_forms(people: People) -> None:
    period = await make_period(people.manager, open_it=False)
    with pytest.raises(Conflict) as e:
        await scoring.submit(
            people.specialist_snv, period["id"], Kind.SELF, None, score_fields(period, "9", "4")
        )
    assert e.value.message == "Kỳ đánh giá này chưa mở."


async def test_kinds_left_out_of_a_period_have_no_forms(people: People) -> None:
    period = await make_period(people.manager, kinds=(Kind.SELF,))
    with pytest.raises(NotFound):
        await scoring.submit(
            people.leader_snv,
            period["id"],
            Kind.CROSS,
            people.agency["sct"],
            score_fields(period, "9", "4"),
        )
    groups = await assignments.tasks_for(people.leader_snv, period)
    assert [g["kind"] for g in groups] == [Kind.SELF]


async def test_an_opened_set_is_locked_and_can_be_copied(people: People) -> None:
    set_id = await make_set(people.manager)
    period = await make_period(people.manager, set_id, open_it=False)
    data = schemas.SetInput(name="Đổi", description="", criteria=[("Một tiêu chí", 10)])
    await criteria_sets.save_set(people.manager, set_id, data)  # still a draft: editable
    await periods.set_status(people.manager, period["id"], "open")
    with pytest.raises(Conflict):
        await criteria_sets.save_set(people.manager, set_id, data)
    copy_id = await criteria_sets.copy_set(people.manager, set_id)
    copy = await queries.load_set(copy_id)
    assert copy["name"] == "Đổi (bản sao)" and not copy["locked"]
    assert [(c["label"], c["max_score"]) for c in copy["criteria"]] == [("Một tiêu chí", 10)]
    with pytest.raises(Conflict):
        await criteria_sets.delete_set(people.manager, set_id)
    await criteria_sets.delete_set(people.manager, copy_id)


async def test_an_opened_period_keeps_its_set_and_kinds(people: People) -> None:
    period = await make_period(people.manager)
    other_set = await make_set(people.manager)
    values = schemas.period_values(period)
    changed = schemas.parse_period(
        {**values, "criteria_set": str(other_set), "kind_self": "", "weight_cross": "60"}
    )
    with pytest.raises(FormErrors) as e:
        await periods.save_period(people.manager, period["id"], changed)
    assert set(e.value.by_field()) == {"criteria_set", "kinds"}
    # Weights and the name may still change.
    reweighted = schemas.parse_period(
        {**values, "name": "Quý I/2026 (sửa)", "weight_cross": "50", "weight_self": "10"}
    )
    await periods.save_period(people.manager, period["id"], reweighted)
    again = await queries.load_period(period["id"])
    assert (again["name"], again["weight_cross"], again["weight_self"]) == (
        "Quý I/2026 (sửa)",
        50,
        10,
    )


async def test_results_and_missing_from_the_database(people: People) -> None:
    """The same figures as the pure function, through real rows: Sở Nội vụ is scored by Sở
    Công Thương (8 + 4 = 12) and by the center (9 + 5 = 14); its specialist says 7 + 3 = 10
    and its leader 9 + 4 = 13, so its self-assessment mean is (10 + 13) / 2 = 11.5."""
    period = await make_period(people.manager)
    pid, snv, sct = period["id"], people.agency["snv"], people.agency["sct"]
    await scoring.submit(people.leader_sct, pid, Kind.CROSS, snv, score_fields(period, "8", "4"))
    await scoring.submit(people.manager, pid, Kind.CENTER, snv, score_fields(period, "9", "5"))
    await scoring.submit(
        people.specialist_snv, pid, Kind.SELF, None, score_fields(period, "7", "3")
    )
    await scoring.submit(people.leader_snv, pid, Kind.SELF, None, score_fields(period, "9", "4"))

    result = await results.results(people.manager, pid, "Bộ phận Một cửa")
    row = next(f for f in result.figures if f.agency_id == snv)
    assert (row.cross, row.cross_count, row.center) == (D("12.00"), 1, D("14"))
    assert (row.self_eval, row.self_eval_count) == (D("11.50"), 2)
    # 0.4 x 12 + 0.4 x 14 + 0.2 x 11.5 = 4.8 + 5.6 + 2.3 = 12.7
    assert row.combined == D("12.70")
    assert result.figures[0].agency_id == snv  # the only agency with a combined score
    missing_ids = {o.user_id for o in result.missing.self_eval}
    assert people.counter.id in missing_ids
    assert not {people.specialist_snv.id, people.leader_snv.id} & missing_ids
    snv_gap = next(g for g in result.missing.cross if g.agency_id == snv)
    assert sct in {a for a, _ in snv_gap.missing} and snv_gap.has_leader
    assert snv not in {a for a, _ in result.missing.center}
    assert sct in {a for a, _ in result.missing.center}

    # A leader sees their own agency's row and what their agency still owes, nothing else.
    own = await results.results(people.leader_snv, pid, "Bộ phận Một cửa")
    assert [f.agency_id for f in own.figures] == [snv]
    assert [g.agency_id for g in own.missing.cross] == [snv]
    assert all(o.agency_id == snv for o in own.missing.self_eval)
    assert own.missing.center == []
    for user in (people.specialist_snv, people.counter, people.admin):
        with pytest.raises(Forbidden):
            await results.results(user, pid)


async def test_demo_data_is_an_open_period_of_this_quarter_loaded_once() -> None:
    from datetime import date

    from backend.evaluations import demo

    assert demo.quarter_of(date(2026, 11, 29)) == (
        "Quý IV/2026",
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert demo.quarter_of(date(2026, 2, 1)) == ("Quý I/2026", date(2026, 1, 1), date(2026, 3, 31))
    await demo.load()
    assert await demo.load() == {"criteria_sets": 0, "periods": 0}
    name, _, _ = demo.quarter_of(rules.today())
    period = await EvaluationPeriod.select().where(EvaluationPeriod.name == name).first()
    assert period is not None and period["status"] == "open"
    loaded = await queries.load_period(period["id"])
    assert loaded["max_total"] == 40 and loaded["kinds"] == (Kind.CROSS, Kind.CENTER, Kind.SELF)
