"""A local Twilio-compatible Messages API that records every text, for end-to-end tests
where a separate worker process sends through real HTTP (`responses` cannot reach it).

POST creates (after an optional latency) and records; GET lists what was recorded for a
`To`, as `find_sent` asks, and the texts `receive` added (direction `inbound`), filtered by
`DateSent>` / `DateSent<` (inclusive, as Twilio's), newest first, `PageSize` a page with
`next_page_uri`, as `reconcile` asks. Loopback only; `stop()` shuts it down.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse


class RecordingTwilio(ThreadingHTTPServer):
    """The fake server; `sent` holds every created message as a dict."""

    daemon_threads = True

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.sent: list[dict[str, str]] = []
        self.received: list[dict[str, str]] = []  # inbound texts, as the list shows them
        self.list_queries: list[dict[str, str]] = []  # each GET's query, in order
        self.list_failures = 0  # the next GETs answer 500
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def receive(self, from_: str, to: str, body: str, sid: str | None = None,
                sent_at: datetime | None = None) -> str:
        """A text Twilio received at `to` (whether or not its webhook reached anyone)."""
        sid = sid or "SM" + uuid.uuid4().hex
        moment = (sent_at or datetime.now(UTC)).replace(microsecond=0)
        with self.lock:
            self.received.append({"sid": sid, "to": to, "from": from_, "body": body,
                                  "status": "received", "direction": "inbound",
                                  "date_sent": format_datetime(moment),
                                  "_sent_at": moment.isoformat()})
        return sid

    def count(self) -> int:
        with self.lock:
            return len(self.sent)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RecordingTwilio

    def log_message(self, *args) -> None:
        pass

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        message = {"sid": "SM" + uuid.uuid4().hex, "to": form.get("To"),
                   "from": form.get("From"), "body": form.get("Body"), "status": "queued"}
        # Recorded on arrival: a worker killed while waiting for the answer still sent it.
        with self.server.lock:
            self.server.sent.append(message)
        time.sleep(self.server.latency)
        self._answer(201, message)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self.server.lock:
            self.server.list_queries.append(query)
            if self.server.list_failures:
                self.server.list_failures -= 1
                self._answer(500, {"code": 20500, "message": "Internal Server Error",
                                   "status": 500})
                return
            listed = [m for m in self.server.sent + self._received(query)
                      if query.get("To") is None or m["to"] == query["To"]]
        size = int(query.get("PageSize", 50))
        page = int(query.get("Page", 0))
        rows = listed[page * size:(page + 1) * size]
        more = (page + 1) * size < len(listed)
        next_uri = url.path + "?" + urlencode({**query, "Page": page + 1}) if more else None
        self._answer(200, {"messages": [{k: v for k, v in m.items() if not k.startswith("_")}
                                        for m in rows],
                           "next_page_uri": next_uri, "page": page, "page_size": size})

    def _received(self, query: dict[str, str]) -> list[dict[str, str]]:
        """Inbound texts in the query's DateSent bounds (inclusive), newest first."""
        after, before = query.get("DateSent>"), query.get("DateSent<")
        inside = [m for m in self.server.received
                  if (after is None or _instant(m["_sent_at"]) >= _instant(after))
                  and (before is None or _instant(m["_sent_at"]) <= _instant(before))]
        return sorted(inside, key=lambda m: m["_sent_at"], reverse=True)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
