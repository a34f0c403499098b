"""Access checks as Litestar guards and dependencies, so that no handler repeats them.

The session middleware (backend.accounts.middleware) puts the signed-in person, or None, in
`scope["user"]` before routing. Then:

- `guards=[signed_in]` or `guards=[requires(Role.ADMIN, ...)]` on a controller or handler:
  anonymous visitors are sent to the sign-in page (pages) or get 401 (API); anybody else
  without the role gets 403;
- a handler parameter `user: SignedIn` receives the person (`USER_DEPENDENCIES`), and
  `viewer: Viewer` the person or None on public pages.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from backend.access.roles import Role
from backend.access.user import CurrentUser
from backend.lib.i18n import gettext


class LoginRequired(NotAuthorizedException):
    """Pages answer it with a redirect to the sign-in page; the API with 401."""


def user_of(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    user = connection.scope.get("user")
    return user if isinstance(user, CurrentUser) else None


def require_user(connection: ASGIConnection[Any, Any, Any, Any], *roles: Role) -> CurrentUser:
    """The signed-in person, who must hold one of `roles` when any are given."""
    user = user_of(connection)
    if user is None:
        raise LoginRequired()
    if roles and user.role not in roles:
        raise PermissionDeniedException(detail=gettext("Bạn không có quyền xem trang này."))
    return user


async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    require_user(connection)


def requires(*roles: Role) -> Guard:
    """A guard letting in only people holding one of `roles`."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        require_user(connection, *roles)

    guard.__name__ = "requires_" + "_".join(r.value for r in roles)
    return guard


async def _provide_user(request: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    return require_user(request)


async def _provide_viewer(request: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    return user_of(request)


# A handler's parameter `user: SignedIn` is the signed-in person (anonymous visitors are sent
# to sign in); `viewer: Viewer` is the person or None on pages where signing in is optional.
SignedIn = NamedDependency[CurrentUser]
Viewer = NamedDependency[CurrentUser | None]

# Registered on the app, by these names.
USER_DEPENDENCIES = {
    "user": Provide(_provide_user),
    "viewer": Provide(_provide_viewer),
}
