"""The administration pages' fixtures (tests/accounts/admin_helpers.py)."""

from tests.accounts.admin_helpers import (  # noqa: F401 (fixtures)
    _forget_staff,
    admin,
    other_client,
    post_office_id,
)
