"""A real Web Push endpoint on loopback (RFC 8030) and a test subscriber (RFC 8291 keys).

No backend import here, so that bench/push_fanout.py can use it before it configures the app.

- `PushEndpoint`: an aiohttp server on 127.0.0.1:<free port> that accepts
  `POST /push/<id>`, records path, headers and body, and answers 201 Created (with a
  Location, as a push service does) unless a status sequence was scripted for that path.
- `Subscriber`: what a browser holds, a P-256 key pair and a 16-byte auth secret; it decrypts
  an aes128gcm message body with http_ece, as the browser's push client would.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from multidict import CIMultiDict


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    path: str
    headers: CIMultiDict[str]
    body: bytes
    status: int  # what the endpoint answered

    @property
    def subscription_id(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class PushEndpoint:
    """The push service side: records every POST and answers a scripted status per path."""

    received: list[Received] = field(default_factory=list)
    scripts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    default_status: int = 201
    record_bodies: bool = True
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, subscription_id: str) -> str:
        return f"{self.origin}/push/{subscription_id}"

    def script(self, subscription_id: str, *statuses: int) -> None:
        """The next answers to that subscription's URL, in order; then the default (201)."""
        self.scripts[f"/push/{subscription_id}"].extend(statuses)

    def for_path(self, subscription_id: str) -> list[Received]:
        return [r for r in self.received if r.path == f"/push/{subscription_id}"]

    async def _push(self, request: web.Request) -> web.Response:
        body = await request.read()
        queue = self.scripts.get(request.path)
        status = queue.pop(0) if queue else self.default_status
        self.received.append(
            Received(
                request.path,
                CIMultiDict(request.headers),
                body if self.record_bodies else b"",
                status,
            )
        )
        if status == 201:
            location = f"{self.origin}/message/{len(self.received)}"
            return web.Response(status=201, headers={"Location": location})
        headers = {"Retry-After": "0"} if status == 429 else None
        return web.Response(status=status, text=f"status {status}", headers=headers)

    async def _stats(self, request: web.Request) -> web.Response:
        """Counts, for a caller in another process (the bench)."""
        statuses: dict[int, int] = defaultdict(int)
        for r in self.received:
            statuses[r.status] += 1
        return web.json_response(
            {
                "received": len(self.received),
                "paths": len({r.path for r in self.received}),
                "statuses": statuses,
            }
        )

    async def start(self) -> PushEndpoint:
        app = web.Application()
        app.router.add_post("/push/{id}", self._push)
        app.router.add_get("/stats", self._stats)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock, backlog=1024).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@dataclass
class Subscriber:
    """One browser's push subscription keys (RFC 8291): a P-256 key pair and an auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    name: str

    @classmethod
    def new(cls, name: str | None = None) -> Subscriber:
        return cls(
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=os.urandom(16),
            name=name or b64url(os.urandom(9)),
        )

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription_json(self, endpoint: str) -> dict[str, Any]:
        """What PushSubscription.toJSON() gives a page."""
        return {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }

    def decrypt(self, body: bytes) -> bytes:
        return bytes(
            http_ece.decrypt(
                body,
                private_key=self.private_key,
                auth_secret=self.auth_secret,
                version="aes128gcm",
            )
        )

    def payload(self, body: bytes) -> dict[str, Any]:
        return dict(json.loads(self.decrypt(body).decode("utf-8")))
