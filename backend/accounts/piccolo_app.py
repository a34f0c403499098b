from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

ROOT = Path(__file__).resolve().parent.parent.parent

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(ROOT / "migrations" / "accounts"),
    table_classes=table_finder(modules=["backend.accounts.tables"], exclude_imported=True),
    migration_dependencies=["backend.catalog.piccolo_app"],
    commands=[],
)
