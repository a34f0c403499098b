"""The results of a period from plain rows: a hand-computed example, no HTTP, no database.

Three agencies A, B, C; two criteria: "Tinh thần phối hợp" 0-10 and "Đúng hạn" 0-5, so a
form's total is out of 15. The totals below are the sums of the two scores written beside them.
"""

from __future__ import annotations

from decimal import Decimal as D

from backend.evaluations.aggregate import (
    Kind,
    Official,
    Row,
    Weights,
    aggregate,
    combine,
    mean,
    missing,
    ranked,
)

A, B, C = 1, 2, 3
AGENCIES = [(A, "Sở A"), (B, "Sở B"), (C, "Sở C")]
ONE_STOP = "Bộ phận Một cửa"


def cross(evaluator: int, target: int, total: str) -> Row:
    return Row(Kind.CROSS, D(total), target_agency=target, evaluator_agency=evaluator)


def center(target: int, total: str) -> Row:
    return Row(Kind.CENTER, D(total), target_agency=target)


def self_eval(user: int, agency: int | None, total: str) -> Row:
    return Row(Kind.SELF, D(total), target_agency=agency, target_user=user)


ROWS = [
    cross(A, B, "12"),  # 8 + 4
    cross(A, C, "9"),  # 6 + 3
    cross(B, A, "12"),  # 7 + 5
    cross(B, C, "11"),  # 9 + 2
    cross(C, A, "9"),  # 5 + 4      (C has not scored B)
    center(A, "14"),  # 9 + 5
    center(B, "9"),  # 6 + 3        (the center has not scored C)
    self_eval(11, A, "15"),  # 10 + 5
    self_eval(12, A, "10"),  # 7 + 3
    self_eval(21, B, "12"),  # 8 + 4
    self_eval(90, None, "10"),  # 6 + 4, a counter officer (no agency)
]
OFFICIALS = [
    Official(11, "Lãnh đạo A", A, "leader"),
    Official(12, "Chuyên viên A", A, "specialist"),
    Official(21, "Lãnh đạo B", B, "leader"),
    Official(22, "Chuyên viên B", B, "specialist"),  # has not assessed themselves
    Official(31, "Chuyên viên C", C, "specialist"),  # neither; C has no leader account
    Official(90, "Cán bộ quầy", None, "counter"),
]
WEIGHTS = Weights(cross=40, center=40, self_eval=20)


def test_figures_per_agency_worked_out_by_hand() -> None:
    figures = {f.agency_id: f for f in aggregate(AGENCIES, ROWS, WEIGHTS, unattached_name=ONE_STOP)}

    a = figures[A]
    # cross: B gave 12, C gave 9 -> (12 + 9) / 2 = 10.5, scored by 2 of the 2 other agencies
    assert (a.cross, a.cross_count, a.cross_expected) == (D("10.50"), 2, 2)
    assert a.center == D("14")
    # self: (15 + 10) / 2 = 12.5 from 2 officials
    assert (a.self_eval, a.self_eval_count) == (D("12.50"), 2)
    # combined: 0.4 x 10.5 + 0.4 x 14 + 0.2 x 12.5 = 4.2 + 5.6 + 2.5 = 12.3
    assert a.combined == D("12.30")

    b = figures[B]
    # cross: only A scored it: 12 / 1 = 12 (1 of 2)
    assert (b.cross, b.cross_count, b.cross_expected) == (D("12.00"), 1, 2)
    assert b.center == D("9")
    assert (b.self_eval, b.self_eval_count) == (D("12.00"), 1)
    # combined: 0.4 x 12 + 0.4 x 9 + 0.2 x 12 = 4.8 + 3.6 + 2.4 = 10.8
    assert b.combined == D("10.80")

    c = figures[C]
    # cross: A gave 9, B gave 11 -> (9 + 11) / 2 = 10 (2 of 2); no center score, nobody
    # assessed themselves -> no combined score (a missing part is never silently dropped)
    assert (c.cross, c.cross_count, c.cross_expected) == (D("10.00"), 2, 2)
    assert c.center is None
    assert (c.self_eval, c.self_eval_count) == (None, 0)
    assert c.combined is None

    # The counter officer's self-assessment has a row of its own, with no combined score.
    one_stop = figures[None]
    assert (one_stop.name, one_stop.self_eval, one_stop.self_eval_count) == (ONE_STOP, D("10"), 1)
    assert one_stop.cross is None and one_stop.center is None and one_stop.combined is None


def test_ranked_by_combined_score_then_without_one_then_the_one_stop_section() -> None:
    order = ranked(aggregate(AGENCIES, ROWS, WEIGHTS, unattached_name=ONE_STOP))
    assert [f.name for f in order] == ["Sở A", "Sở B", "Sở C", ONE_STOP]


def test_who_has_not_submitted() -> None:
    gaps = missing(AGENCIES, OFFICIALS, ROWS)
    # A scored B and C, B scored A and C; C scored only A.
    assert [(g.agency_id, g.missing, g.has_leader) for g in gaps.cross] == [
        (C, [(B, "Sở B")], False)
    ]
    assert [o.user_id for o in gaps.self_eval] == [22, 31]
    assert gaps.center == [(C, "Sở C")]
    assert not gaps.empty


def test_nothing_missing_when_everyone_submitted() -> None:
    rows = [
        *ROWS,
        cross(C, B, "10"),
        center(C, "12"),
        self_eval(22, B, "9"),
        self_eval(31, C, "11"),
    ]
    assert missing(AGENCIES, OFFICIALS, rows).empty


def test_kinds_left_out_of_the_period_are_neither_counted_nor_missing() -> None:
    kinds = (Kind.CROSS, Kind.CENTER)
    weights = Weights(cross=50, center=50, self_eval=0)
    figures = {f.agency_id: f for f in aggregate(AGENCIES, ROWS, weights, kinds)}
    # A: 0.5 x 10.5 + 0.5 x 14 = 5.25 + 7 = 12.25; the self-assessments are ignored
    assert figures[A].combined == D("12.25")
    assert figures[A].self_eval is None
    assert None not in figures  # no one-stop row: self-assessment is not part of this period
    gaps = missing(AGENCIES, OFFICIALS, ROWS, kinds)
    assert gaps.self_eval == []
    assert gaps.center == [(C, "Sở C")]


def test_a_kind_with_weight_zero_does_not_block_the_combined_score() -> None:
    weights = Weights(cross=50, center=50, self_eval=0)
    # C has no center score: still none. With self at weight 0, A = 0.5 x 10.5 + 0.5 x 14.
    figures = {f.agency_id: f for f in aggregate(AGENCIES, ROWS, weights)}
    assert figures[A].combined == D("12.25")
    assert figures[C].combined is None


def test_an_agency_scoring_itself_is_ignored() -> None:
    rows = [cross(A, A, "15"), cross(B, A, "12")]
    (a, *_) = aggregate(AGENCIES, rows, WEIGHTS)
    assert (a.cross, a.cross_count) == (D("12.00"), 1)


def test_means_are_rounded_half_up_to_two_decimals() -> None:
    assert mean([D("7"), D("8"), D("8")]) == D("7.67")  # 23 / 3 = 7.666...
    assert mean([D("0.01"), D("0.02")]) == D("0.02")  # 0.015 -> 0.02
    assert mean([]) is None
    parts = {Kind.CROSS: D("10"), Kind.CENTER: D("11"), Kind.SELF: D("12")}
    # (10 x 1 + 11 x 1 + 12 x 1) / 3 = 11
    assert combine(parts, Weights(1, 1, 1), list(Kind)) == D("11.00")
    assert combine(parts, Weights(0, 0, 0), list(Kind)) is None
