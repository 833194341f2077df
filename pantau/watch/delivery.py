"""Alert delivery: JSON lines on stdout and a signed webhook POST per alert, each alert once per channel.

Why a table of delivered alerts: the stories layer recomputes a dyad's alerts whenever its days change
(same id for the same dyad, day and channel), so "new" cannot be read from the alerts table alone; and
after a restart nothing already sent may be sent again. An alert is marked delivered on a channel only
after the channel took it (stdout written, webhook answered 2xx); a kill between the two sends that one
alert again, and the receiver can tell by ``X-Pantau-Alert-Id``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import threading
import time
from typing import IO, Any

import httpx

from pantau.watch.config import WatchConfig
from pantau.watch.state import WatchState

log = logging.getLogger("pantau.watch")
RETRY_LATER_S = 60.0  # a webhook that failed all its retries is tried again after this long


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def alert_json(alert: dict[str, Any]) -> bytes:
    """The alert as one compact JSON object (the webhook body and the stdout line)."""
    body = {"type": "alert", **{k: _plain(v) for k, v in alert.items()}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    """``sha256=`` + the hex HMAC-SHA256 of the body with the shared secret (the X-Pantau-Signature)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class Delivery:
    """Sends undelivered alerts; the webhook in its own thread so a slow receiver never holds the writer."""

    def __init__(
        self, cfg: WatchConfig, state: WatchState, stop: threading.Event, out: IO[str] | None
    ) -> None:
        self.cfg, self.state, self.stop, self.out = cfg, state, stop, out
        self._wake = threading.Event()
        self._later: dict[str, float] = {}  # alert id -> when the webhook may be tried again
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None
        self.sent = {"stdout": 0, "webhook": 0, "webhook_failed": 0}

    def start(self) -> None:
        if self.cfg.webhook is not None and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="watch-webhook", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
        if self._client is not None:
            self._client.close()

    def new_alerts(self) -> None:
        """Stdout now (cheap); the webhook thread is woken."""
        if self.cfg.stdout and self.out is not None:
            for alert in self.state.undelivered("stdout"):
                self.out.write(alert_json(alert).decode("utf-8") + "\n")
                self.out.flush()
                self.state.delivered(alert["id"], "stdout")
                self.sent["stdout"] += 1
        self._wake.set()

    def _loop(self) -> None:
        while not self.stop.is_set():
            self._wake.wait(5.0)
            self._wake.clear()
            try:
                self.webhook_pending()
            except Exception:  # noqa: BLE001 - delivery goes on at the next wake
                log.exception("webhook delivery")

    def webhook_pending(self) -> int:
        """POST every undelivered alert whose retry time has come; returns how many were taken."""
        hook = self.cfg.webhook
        if hook is None:
            return 0
        n = 0
        for alert in self.state.undelivered("webhook"):
            if self.stop.is_set():
                break
            if self._later.get(alert["id"], 0.0) > time.monotonic():
                continue
            if self._post(alert):
                self.state.delivered(alert["id"], "webhook")
                self._later.pop(alert["id"], None)
                self.sent["webhook"] += 1
                n += 1
            else:
                self._later[alert["id"]] = time.monotonic() + RETRY_LATER_S
                self.sent["webhook_failed"] += 1
        return n

    def _post(self, alert: dict[str, Any]) -> bool:
        hook = self.cfg.webhook
        assert hook is not None
        if self._client is None:
            self._client = httpx.Client(timeout=hook.timeout_s, headers={"User-Agent": self.cfg.user_agent})
        body = alert_json(alert)
        headers = {"Content-Type": "application/json", "X-Pantau-Alert-Id": str(alert["id"])}
        if hook.secret:
            headers["X-Pantau-Signature"] = signature(hook.secret, body)
        why = ""
        for attempt in range(hook.retries + 1):
            try:
                r = self._client.post(hook.url, content=body, headers=headers)
                if 200 <= r.status_code < 300:
                    return True
                why = f"HTTP {r.status_code}"
                if 400 <= r.status_code < 500 and r.status_code not in (408, 429):
                    break  # the receiver refuses it: retrying now changes nothing
            except httpx.HTTPError as exc:
                why = f"{type(exc).__name__}: {exc}"
            if attempt < hook.retries and self.stop.wait(
                hook.backoff_s * 2**attempt * (1 + random.random() / 4)
            ):
                break
        log.warning("webhook %s: alert %s not delivered: %s; tried again later", hook.url, alert["id"], why)
        return False
