from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

ROOT = Path(__file__).resolve().parent.parent.parent

APP_CONFIG = AppConfig(
    app_name="audit",
    migrations_folder_path=str(ROOT / "migrations" / "audit"),
    table_classes=table_finder(modules=["backend.audit.tables"], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
