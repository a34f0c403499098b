"""Where text messages go: an HTTP JSON gateway, or the server log (the default).

- `HttpGateway` (SMS_GATEWAY_URL, SMS_GATEWAY_KEY): `POST <url>` with the JSON body
  `{"to": "0912345678", "text": "..."}` and `Authorization: Bearer <key>`; any 2xx is sent,
  429/5xx and network errors are worth retrying, any other answer is final. A provider with
  another format gets a small relay, or another class with the same `send`.
- `LogGateway` (no SMS_GATEWAY_URL: `make run`, a demo): the message is written to the server
  log and the console, so whoever runs the app reads the code there.
"""

from __future__ import annotations

import logging
import sys
from typing import Protocol

import aiohttp

from backend.settings import get_settings

log = logging.getLogger("motcua.sms")
TIMEOUT = 10.0


class GatewayError(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class Gateway(Protocol):
    async def send(self, phone: str, text: str) -> None:
        """Hand one message over, or raise GatewayError."""


class LogGateway:
    async def send(self, phone: str, text: str) -> None:
        log.warning("SMS to %s: %s", phone, text)
        print(f"[SMS to {phone}] {text}", file=sys.stderr, flush=True)


class HttpGateway:
    def __init__(self, url: str, key: str, session: aiohttp.ClientSession) -> None:
        self.url, self.key, self.session = url, key, session

    async def send(self, phone: str, text: str) -> None:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        try:
            async with self.session.post(
                self.url,
                json={"to": phone, "text": text},
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=TIMEOUT),
            ) as response:
                if 200 <= response.status < 300:
                    return
                detail = (await response.text())[:200]
                transient = response.status == 429 or response.status >= 500
                raise GatewayError(f"HTTP {response.status}: {detail}", transient=transient)
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            raise GatewayError(f"{type(e).__name__}: {e}"[:500], transient=True) from e


def configured(session: aiohttp.ClientSession) -> Gateway:
    settings = get_settings()
    if settings.sms_gateway_url:
        return HttpGateway(settings.sms_gateway_url, settings.sms_gateway_key, session)
    return LogGateway()
