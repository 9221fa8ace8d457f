"""Sending through Twilio, and the errors a sender must tell apart.

Domain code receives a provider object, so tests hand it one aimed at `responses` or at a
local Twilio-compatible fake (`TWILIO_API_BASE_URL`), and development mode logs instead.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlencode

from requests.adapters import HTTPAdapter
from requests.auth import _basic_auth_str
from requests.models import PreparedRequest
from requests.structures import CaseInsensitiveDict
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from smsgate.messaging.numbers import mask_number

log = logging.getLogger(__name__)

TWILIO_HOST = "https://api.twilio.com"
# Twilio error codes that no retry can fix.
PERMANENT_ERRORS = {
    21211: "invalid_number",
    21408: "region_not_enabled",
    21610: "unsubscribed",
    21612: "unreachable_carrier",
    21614: "not_mobile",
}
UNSUBSCRIBED = 21610
# How far before our own claim time `find_sent` looks: clock skew between us and the provider.
FIND_SENT_MARGIN = timedelta(minutes=1)
# Seconds: the longest ValidityPeriod Twilio accepts, and how long its own queue keeps a text.
MAX_VALIDITY_PERIOD = 10 * 3600


@dataclass
class ProviderError(Exception):
    """A send that failed; `permanent` says whether retrying could ever help."""

    message: str
    code: int | None = None
    status: int | None = None
    permanent: bool = False

    def __str__(self) -> str:
        return f"{self.code or self.status}: {self.message}"


@dataclass(frozen=True)
class ReceivedText:
    """An inbound text as the provider's message list shows it."""

    sid: str
    from_number: str
    to_number: str
    body: str
    messaging_service_sid: str | None
    sent_at: datetime | None


@dataclass(frozen=True)
class ListedInbound:
    """A read of the provider's list: the inbound texts found; whether `limit` cut it short
    (older texts in the window then remain unread); the oldest send time of all it listed."""

    texts: list[ReceivedText]
    truncated: bool
    oldest_sent: datetime | None = None


class Provider(Protocol):
    """What the gateway needs from an SMS provider."""

    def send(self, to: str, body: str, *, from_: str | None = None,
             messaging_service_sid: str | None = None,
             validity_period: int | None = None) -> str:
        """Send one text; return the provider's message SID or raise ProviderError. With
        `validity_period` (seconds), the provider drops the text rather than send it later."""

    def find_sent(self, to: str, from_: str | None, since: datetime, body: str) -> str | None:
        """The SID of a text already sent to `to` with this body since `since`, if any."""

    def list_inbound(self, to: str, sent_after: datetime, sent_before: datetime | None,
                     limit: int, page_size: int = 1000) -> ListedInbound:
        """Texts received at `to` sent from `sent_after` to `sent_before` (inclusive), newest
        first, at most `limit` of them; raise ProviderError when the list cannot be read."""


def _form(values: dict[str, object] | None) -> str:
    """`values` form-encoded as requests does it: None dropped, a list as repeated keys."""
    pairs: list[tuple[str, object]] = []
    for key, value in (values or {}).items():
        for one in value if isinstance(value, (list, tuple)) else (value,):
            if one is not None:
                pairs.append((key, one))
    return urlencode(pairs)


class _TwilioHttp(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no types
    """Twilio's HTTP client, cheaper per request, and its host swappable
    (TWILIO_API_BASE_URL) for tests and benchmarks.

    Twilio's own client prepares each request through a requests Session: it re-reads the
    proxy variables from the environment, merges cookies and hooks, and re-parses the URL,
    which together cost about a third of a send's CPU. This one reads the environment's
    proxy and CA settings once, builds the request directly and hands it to the session's
    adapter (so `responses` still intercepts it): same method, URL, headers and body.
    """

    def __init__(self, base_url: str, pool_size: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._base_url = base_url.rstrip("/")
        # One pooled connection set, sized for the sending threads; retries are ours.
        self._adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("https://", self._adapter)
        self.session.mount("http://", self._adapter)
        # Proxies and CA bundle from the environment, as requests would read them per call.
        self._settings = self.session.merge_environment_settings(
            self._base_url, self.proxy, None, None, None)

    def request(self, method: str, url: str, params: dict[str, object] | None = None,
                data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
                auth: Any = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        """Send what twilio addresses to its own host to TWILIO_API_BASE_URL."""
        if timeout is None:
            timeout = self.timeout
        elif timeout <= 0:
            raise ValueError(timeout)
        if url.startswith(TWILIO_HOST):
            url = self._base_url + url[len(TWILIO_HOST):]
        self.log_request({"method": method.upper(), "url": url, "params": params,
                          "headers": headers})
        query = _form(params)
        if query:
            url += ("&" if "?" in url else "?") + query
        prepared = PreparedRequest()
        prepared.method = method.upper()
        prepared.url = url
        prepared.headers = CaseInsensitiveDict(self.session.headers)
        prepared.headers.update(headers or {})
        content_type = prepared.headers.get("Content-Type", "")
        body: str | bytes | None = None  # a form as str, JSON as bytes, as requests has them
        if content_type in ("application/json", "application/scim+json"):
            body = None if data is None else json.dumps(data, allow_nan=False).encode()
        elif data:
            body = _form(data)
            if not content_type:
                prepared.headers["Content-Type"] = "application/x-www-form-urlencoded"
        prepared.body = body
        if body:
            prepared.headers["Content-Length"] = str(len(body))
        elif prepared.method not in ("GET", "HEAD"):
            prepared.headers["Content-Length"] = "0"
        if isinstance(auth, tuple):
            prepared.headers["Authorization"] = _basic_auth_str(*auth)
        elif auth is not None:
            prepared = auth(prepared)
        response = self._adapter.send(prepared, timeout=timeout, **self._settings)
        self.log_response(response.status_code, response)
        self._test_only_last_response = Response(int(response.status_code), response.text,
                                                 response.headers)
        return self._test_only_last_response


def classify_error(exc: TwilioRestException) -> ProviderError:
    """Map a Twilio REST error to a ProviderError: 429 and 5xx are transient."""
    status = exc.status
    code = exc.code
    permanent = bool(code in PERMANENT_ERRORS or (400 <= status < 500 and status != 429))
    return ProviderError(str(exc.msg), code=code, status=status, permanent=permanent)


class TwilioProvider:
    """Sends with the twilio client over one pooled HTTP session."""

    def __init__(self, account_sid: str, auth_token: str, base_url: str = TWILIO_HOST,
                 status_callback: str | None = None, timeout: float = 10.0,
                 pool_size: int = 32) -> None:
        http = _TwilioHttp(base_url, pool_size, timeout=timeout)
        self.client = Client(account_sid, auth_token, http_client=http)
        self.status_callback = status_callback

    def send(self, to: str, body: str, *, from_: str | None = None,
             messaging_service_sid: str | None = None,
             validity_period: int | None = None) -> str:
        kwargs: dict[str, str | int] = {"to": to, "body": body}
        if validity_period is not None:
            kwargs["validity_period"] = validity_period
        if messaging_service_sid:
            kwargs["messaging_service_sid"] = messaging_service_sid
        elif from_:
            kwargs["from_"] = from_
        else:
            raise ProviderError("no sender: neither a number nor a messaging service",
                                permanent=True)
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        try:
            sid: str = self.client.messages.create(**kwargs).sid
            return sid
        except TwilioRestException as exc:
            raise classify_error(exc) from exc
        except OSError as exc:  # connection refused, timeouts: requests' errors subclass it
            raise ProviderError(f"transport: {exc}", permanent=False) from exc

    def find_sent(self, to: str, from_: str | None, since: datetime, body: str) -> str | None:
        try:
            # No date filter: a text Twilio accepted but has not sent yet has no date_sent,
            # and missing it here would send it a second time.
            listed = self.client.messages.list(to=to, from_=from_, limit=50)
        except TwilioRestException as exc:
            raise classify_error(exc) from exc
        except TwilioException as exc:  # a list page that is not 200 raises the base class
            raise ProviderError(f"listing messages failed: {exc}", permanent=False) from exc
        except OSError as exc:
            raise ProviderError(f"transport: {exc}", permanent=False) from exc
        for message in listed:
            created = message.date_created
            if message.body == body and (created is None or created >= since):
                found: str = message.sid
                return found
        return None

    def list_inbound(self, to: str, sent_after: datetime, sent_before: datetime | None,
                     limit: int, page_size: int = 1000) -> ListedInbound:
        # Twilio's `DateSent>` / `DateSent<` filters include their bounds; the client
        # follows `next_page_uri` until `limit` messages are read or the list ends.
        filters: dict[str, Any] = {"to": to, "date_sent_after": sent_after}
        if sent_before is not None:
            filters["date_sent_before"] = sent_before
        try:
            listed = self.client.messages.list(**filters, limit=limit,
                                               page_size=min(page_size, limit))
        except TwilioRestException as exc:
            raise classify_error(exc) from exc
        except TwilioException as exc:
            raise ProviderError(f"listing messages failed: {exc}", permanent=False) from exc
        except OSError as exc:
            raise ProviderError(f"transport: {exc}", permanent=False) from exc
        texts = [ReceivedText(sid=message.sid, from_number=message.from_ or "",
                              to_number=message.to or to, body=message.body or "",
                              messaging_service_sid=message.messaging_service_sid,
                              sent_at=message.date_sent or message.date_created)
                 for message in listed if message.direction == "inbound"]
        sent = [message.date_sent or message.date_created for message in listed]
        return ListedInbound(texts, truncated=len(listed) >= limit,
                             oldest_sent=min((at for at in sent if at is not None),
                                             default=None))


class LoggingProvider:
    """Development mode: texts are logged, never sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str, *, from_: str | None = None,
             messaging_service_sid: str | None = None,
             validity_period: int | None = None) -> str:
        sid = "SMdev" + uuid.uuid4().hex[:29]
        # The body's length only: what a text says never reaches a log line.
        log.info("dev_text_not_sent", extra={"to": mask_number(to), "sid": sid,
                                             "from": from_ or messaging_service_sid,
                                             "body_chars": len(body)})
        self.sent.append((to, body))
        return sid

    def find_sent(self, to: str, from_: str | None, since: datetime, body: str) -> str | None:
        return None

    def list_inbound(self, to: str, sent_after: datetime, sent_before: datetime | None,
                     limit: int, page_size: int = 1000) -> ListedInbound:
        return ListedInbound([], truncated=False)  # nothing is received in development
