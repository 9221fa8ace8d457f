"""A local Twilio-compatible Messages API that records every text, for end-to-end tests
where a separate worker process sends through real HTTP (`responses` cannot reach it).

POST creates (after an optional latency) and records; GET lists what was recorded for a
`To`, as `find_sent` asks. Loopback only; `stop()` shuts it down.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class RecordingTwilio(ThreadingHTTPServer):
    """The fake server; `sent` holds every created message as a dict."""

    daemon_threads = True

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.sent: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

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
        to = parse_qs(urlparse(self.path).query).get("To", [None])[0]
        with self.server.lock:
            listed = [m for m in self.server.sent if to is None or m["to"] == to]
        self._answer(200, {"messages": listed, "next_page_uri": None, "page": 0,
                           "page_size": 50})
