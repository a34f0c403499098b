from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

ROOT = Path(__file__).resolve().parent.parent.parent

APP_CONFIG = AppConfig(
    app_name="reports",
    migrations_folder_path=str(ROOT / "migrations" / "reports"),
    table_classes=table_finder(modules=["backend.reports.tables"], exclude_imported=True),
    migration_dependencies=["backend.dossiers.piccolo_app", "backend.ratings.piccolo_app"],
    commands=[],
)
