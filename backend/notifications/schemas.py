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
