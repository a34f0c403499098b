"""What the notification pages and the push API receive.

The subscription is JSON that Litestar reads into `SubscriptionBody` (the browser's
PushSubscription.toJSON(), which /static/js/push.js sends as it is); the category choices are
a url-encoded form read with `lib.forms.decode`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SubscriptionKeys:
    p256dh: str = ""
    auth: str = ""


@dataclass
class SubscriptionBody:
    """The browser's PushSubscription.toJSON(). Unsubscribing sends only the endpoint."""

    endpoint: str
    keys: SubscriptionKeys = field(default_factory=SubscriptionKeys)
    expirationTime: int | None = None  # the browser's name for it


@dataclass
class CategoryChoice:
    """`shown` lists the categories the form let the person choose (the optional ones); each
    is on when its checkbox (`on`) was ticked. A checkbox per category: repeated fields."""

    shown: list[str] = field(default_factory=list)
    on: list[str] = field(default_factory=list)


@dataclass
class CategorySwitch:
    name: str
    enabled: bool


@dataclass
class SettingsBody:
    """PUT /api/v1/notifications/settings: `categories` lists the categories to turn on or off
    (`name` as GET lists them, `enabled`); the ones left out stay as they were, so the list GET
    answers may be sent back changed (its other fields are ignored). Essential categories
    cannot be turned off, and an unknown name is refused: either way 422, and nothing changes.
    """

    categories: list[CategorySwitch] = field(default_factory=list)
