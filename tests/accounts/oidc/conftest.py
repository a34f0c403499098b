from tests.accounts.oidc.fixtures import (  # noqa: F401 (fixtures)
    oidc_app_port,
    oidc_provider,
    oidc_settings,
)
