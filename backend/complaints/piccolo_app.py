from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

ROOT = Path(__file__).resolve().parent.parent.parent

APP_CONFIG = AppConfig(
    app_name="complaints",
    migrations_folder_path=str(ROOT / "migrations" / "complaints"),
    table_classes=table_finder(modules=["backend.complaints.tables"], exclude_imported=True),
    migration_dependencies=[
        "backend.catalog.piccolo_app",
        "backend.accounts.piccolo_app",
        "backend.dossiers.piccolo_app",
    ],
    commands=[],
)
