from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

ROOT = Path(__file__).resolve().parent.parent.parent

APP_CONFIG = AppConfig(
    app_name="dossiers",
    migrations_folder_path=str(ROOT / "migrations" / "dossiers"),
    table_classes=table_finder(modules=["backend.dossiers.tables"], exclude_imported=True),
    # audit first: its first migration copies the chain head before dossiers drops its copy.
    migration_dependencies=[
        "backend.audit.piccolo_app",
        "backend.catalog.piccolo_app",
        "backend.accounts.piccolo_app",
    ],
    commands=[],
)
