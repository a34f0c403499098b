from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey
from piccolo.engine import engine_finder

ID = "2026-12-06T03:49:29:187543"
VERSION = "1.38.0"
DESCRIPTION = "Index every foreign key (issue 14): deleting or changing a referenced row, and joins from the referenced side, read an index instead of the whole table"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="evaluations", description=DESCRIPTION
    )

    async def index_period():
        # Not Piccolo's index: it would be named evaluation_period, the periods' table.
        await engine_finder().run_ddl(  # type: ignore[union-attr]
            "CREATE INDEX IF NOT EXISTS evaluation_by_period ON evaluation (period)"
        )

    manager.add_raw(index_period)

    manager.alter_column(
        table_class_name="Evaluation",
        tablename="evaluation",
        column_name="evaluator",
        db_column_name="evaluator",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Evaluation",
        tablename="evaluation",
        column_name="evaluator_agency",
        db_column_name="evaluator_agency",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Evaluation",
        tablename="evaluation",
        column_name="target_agency",
        db_column_name="target_agency",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="Evaluation",
        tablename="evaluation",
        column_name="target_user",
        db_column_name="target_user",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="EvaluationPeriod",
        tablename="evaluation_period",
        column_name="criteria_set",
        db_column_name="criteria_set",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="EvaluationPeriod",
        tablename="evaluation_period",
        column_name="created_by",
        db_column_name="created_by",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="EvaluationScore",
        tablename="evaluation_score",
        column_name="criterion",
        db_column_name="criterion",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
