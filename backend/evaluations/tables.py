"""Evaluations: criteria sets, periods, and the scores given in them.

A manager of the center (Role.MANAGER) defines a criteria set (labels with a maximum score
each) and a period that uses it. In an open period:

- cross: each agency (through its leaders) scores every other agency;
- self: every official (specialist, leader, counter officer) assesses themselves;
- center: the center (through its managers) scores each agency.

There is one evaluation per (period, kind, evaluator, target): its `slot` spells that out and
is unique, so a second submission edits the first (until the period closes). The evaluator is
the agency for cross-evaluations (any of its leaders may edit it) and the center as a whole for
the center's scores; `evaluator` records who last saved it.
"""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Numeric,
    OnDelete,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from backend.accounts.tables import User
from backend.catalog.tables import Agency


class CriteriaSet(Table, tablename="evaluation_criteria_set"):
    """A named list of criteria. It can no longer be edited once a period using it was opened
    (copy it to make a changed one)."""

    id: Serial  # implicit primary key, declared for type checkers
    name = Varchar(length=200)
    description = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Criterion(Table, tablename="evaluation_criterion"):
    id: Serial  # implicit primary key, declared for type checkers
    criteria_set = ForeignKey(
        references=CriteriaSet, null=False, on_delete=OnDelete.cascade, index=True
    )
    position = SmallInt()
    label = Varchar(length=200)
    max_score = SmallInt()  # a score goes from 0 to this


class EvaluationPeriod(Table, tablename="evaluation_period"):
    """A round of evaluation, e.g. "Quý I/2026": draft -> open -> closed (-> open again)."""

    id: Serial  # implicit primary key, declared for type checkers
    name = Varchar(length=200)
    starts_on = Date(default=None)
    ends_on = Date(default=None)
    criteria_set = ForeignKey(
        references=CriteriaSet, null=False, on_delete=OnDelete.restrict, index=True
    )
    include_cross = Boolean(default=True)
    include_self = Boolean(default=True)
    include_center = Boolean(default=True)
    # Percent weights of the combined score (their sum over the included kinds is 100).
    weight_cross = SmallInt(default=40)
    weight_center = SmallInt(default=40)
    weight_self = SmallInt(default=20)
    status = Varchar(length=10, default="draft", index=True)  # draft | open | closed
    created_by = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    created_at = Timestamptz()
    opened_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class Evaluation(Table, tablename="evaluation"):
    id: Serial  # implicit primary key, declared for type checkers
    # No index of its own: Piccolo would name it "evaluation_period", which SQLite refuses
    # (the periods table has that name). A period has a few hundred evaluations (20 agencies
    # x 19, plus the officials), so reading them by period stays cheap; one form is found by
    # its unique `slot`.
    # Indexed by a raw index, evaluation_by_period (migrations/evaluations): Piccolo would name
    # its index evaluation_period, the name of the periods' table.
    period = ForeignKey(references=EvaluationPeriod, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=8, index=True)  # cross | self | center
    # "<period>:<kind>:<evaluator>:<target>", e.g. "3:cross:a5:a7", "3:self:u12:u12",
    # "3:center:c:a7": one evaluation per slot.
    slot = Varchar(length=80, unique=True)
    evaluator = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.set_null, index=True
    )
    evaluator_agency = ForeignKey(
        references=Agency,
        null=True,
        default=None,
        on_delete=OnDelete.cascade,
        index=True,
    )
    # cross, center: the agency scored; self: the official's agency (None for counter officers).
    target_agency = ForeignKey(
        references=Agency,
        null=True,
        default=None,
        on_delete=OnDelete.cascade,
        index=True,
    )
    target_user = ForeignKey(
        references=User, null=True, default=None, on_delete=OnDelete.cascade, index=True
    )
    total = Numeric(digits=(8, 2))
    comment = Text(default="")
    submitted_at = Timestamptz()
    updated_at = Timestamptz()


class EvaluationScore(Table, tablename="evaluation_score"):
    id: Serial  # implicit primary key, declared for type checkers
    evaluation = ForeignKey(
        references=Evaluation, null=False, on_delete=OnDelete.cascade, index=True
    )
    criterion = ForeignKey(references=Criterion, null=False, on_delete=OnDelete.cascade, index=True)
    score = Numeric(digits=(6, 2))
