"""A local Twilio-compatible Messages API for benchmarks: loopback only, threaded, counting.

    python bench/fake_twilio.py [--port 0] [--latency-ms 0]

Prints `listening http://127.0.0.1:<port>` on its first line of stdout, then serves:

* `POST /2010-04-01/Accounts/<AccountSid>/Messages.json`: waits the configured latency, then
  answers 201 with a message resource shaped like Twilio's (sid "SM" + 32 hex digits,
  status "queued", segments counted, the request's To/From/Body echoed);
* `GET` on the same path: an empty message list (what `find_sent` asks for);
* `GET /_stats`: `{"created": N, "latency_ms": L}`;
* `POST /_config?latency_ms=L`: change the artificial latency while running.

Each connection gets its own thread (keep-alive is honoured, as Twilio's front end does), so
N concurrent senders see the latency overlap, not add up. It never binds anything but
127.0.0.1 and stops on SIGTERM / Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import signal
import sys
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC\w{32})/Messages\.json$")


class State:
    """Counters and settings shared by the handler threads."""

    def __init__(self, latency_ms: float) -> None:
        self.lock = threading.Lock()
        self.created = 0
        self.latency_ms = latency_ms


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so a pooled client reuses its connections
    # Headers and body leave in separate writes: with Nagle on, the body waits for the
    # client's delayed ACK (40 ms) and every "0 ms" request would take 40 ms.
    disable_nagle_algorithm = True
    server: FakeTwilio

    def log_message(self, *args) -> None:  # one line per request would dominate the run
        pass

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        return {key: values[0] for key, values in parse_qs(raw).items()}

    def do_POST(self) -> None:
        url = urlparse(self.path)
        state = self.server.state
        if url.path == "/_config":
            latency = parse_qs(url.query).get("latency_ms", [None])[0]
            if latency is not None:
                state.latency_ms = float(latency)
            self._form()
            self._answer(200, {"latency_ms": state.latency_ms})
            return
        match = MESSAGES.match(url.path)
        if not match:
            self._form()
            self._answer(404, {"code": 20404, "message": "not found", "status": 404})
            return
        form = self._form()
        if not form.get("To") or not form.get("Body"):
            self._answer(400, {"code": 21604, "message": "A 'To' and 'Body' are required",
                               "status": 400})
            return
        if state.latency_ms:
            time.sleep(state.latency_ms / 1000)
        with state.lock:
            state.created += 1
        self._answer(201, message_resource(match.group(1), form))

    def do_GET(self) -> None:
        url = urlparse(self.path)
        state = self.server.state
        if url.path == "/_stats":
            self._answer(200, {"created": state.created, "latency_ms": state.latency_ms})
        elif MESSAGES.match(url.path):
            self._answer(200, {"messages": [], "next_page_uri": None, "page": 0,
                               "page_size": 50, "uri": url.path})
        else:
            self._answer(404, {"code": 20404, "message": "not found", "status": 404})


def message_resource(account_sid: str, form: dict[str, str]) -> dict:
    """A Message resource as Twilio returns it right after creation."""
    sid = "SM" + secrets.token_hex(16)
    now = formatdate(usegmt=True)
    body = form["Body"]
    gsm = all(ord(ch) < 128 for ch in body)
    segments = 1 if len(body) <= (160 if gsm else 70) else -(-len(body) // (153 if gsm else 67))
    base = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}"
    return {
        "account_sid": account_sid, "api_version": "2010-04-01", "body": body,
        "date_created": now, "date_sent": None, "date_updated": now,
        "direction": "outbound-api", "error_code": None, "error_message": None,
        "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
        "num_media": "0", "num_segments": str(segments), "price": None, "price_unit": "USD",
        "sid": sid, "status": "queued", "to": form["To"], "uri": base + ".json",
        "subresource_uris": {"media": base + "/Media.json", "feedback": base + "/Feedback.json"},
    }


class FakeTwilio(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many senders connect at once when a batch starts

    def __init__(self, port: int, latency_ms: float) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = State(latency_ms)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = FakeTwilio(args.port, args.latency_ms)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"listening {server.url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
