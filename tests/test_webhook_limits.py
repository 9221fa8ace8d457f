"""Refuse before working: a webhook without a signature, or larger than any Twilio sends, and
an audit sign-in larger than any key, are refused before their bodies are read or parsed, so
a hostile request costs a worker almost nothing while STOPs wait in the same process."""

from __future__ import annotations

import io
import time

from conftest import sign
from factories import INBOUND_PATH, STATUS_PATH, inbound
from sqlalchemy import func, select

from smsgate.extensions import db
from smsgate.http.audit_page import SIGN_IN_MAX_BYTES
from smsgate.http.forms import URLENCODED
from smsgate.http.signature import WEBHOOK_MAX_BYTES, WEBHOOK_MAX_FIELDS
from smsgate.models import InboundMessage

HOSTILE_BODY = b"Body=STOP&" * 838_860  # just under 8 MiB (the app's limit): 838,860 fields
CPU_BUDGET = 0.010  # seconds of CPU for refusing one hostile request


class CountingStream(io.BytesIO):
    """A request body that counts the bytes the app reads from it."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readinto(self, buffer) -> int:
        count = super().readinto(buffer)
        self.bytes_read += count
        return count

    def readline(self, size: int | None = -1) -> bytes:
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


def _cpu_seconds(call):
    """`call()`'s result and the CPU time this process spent on it."""
    started = time.process_time()
    result = call()
    return result, time.process_time() - started


def _chunked_environ(stream: io.BytesIO, signature: str = "x") -> dict:
    """A body without a Content-Length, from a server that ends the stream (as gunicorn)."""
    return {"wsgi.input": stream, "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_TYPE": URLENCODED,
            "HTTP_X_TWILIO_SIGNATURE": signature}


def test_an_unsigned_8_mib_webhook_of_840k_fields_costs_under_10_ms_of_cpu(brand, client):
    client.post(INBOUND_PATH, data=b"", content_type=URLENCODED)  # warm the app up
    stream = CountingStream(HOSTILE_BODY)
    response, cpu = _cpu_seconds(lambda: client.post(
        INBOUND_PATH, input_stream=stream, content_type=URLENCODED,
        environ_overrides={"CONTENT_LENGTH": str(len(HOSTILE_BODY))}))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "bad_signature"
    assert cpu < CPU_BUDGET, f"refusing took {cpu * 1000:.1f} ms of CPU"
    assert stream.bytes_read == 0


def test_an_unsigned_status_callback_is_refused_unread(brand, client):
    stream = CountingStream(HOSTILE_BODY)
    response = client.post(STATUS_PATH, input_stream=stream, content_type=URLENCODED,
                           environ_overrides={"CONTENT_LENGTH": str(len(HOSTILE_BODY))})
    assert response.status_code == 403 and stream.bytes_read == 0


def test_a_signed_webhook_declaring_more_than_64_kib_is_a_413_unread(brand, client):
    client.post(INBOUND_PATH, data=b"", content_type=URLENCODED)  # warm the app up
    stream = CountingStream(HOSTILE_BODY)
    response, cpu = _cpu_seconds(lambda: client.post(
        INBOUND_PATH, input_stream=stream, content_type=URLENCODED,
        headers={"X-Twilio-Signature": "x" * 28},
        environ_overrides={"CONTENT_LENGTH": str(len(HOSTILE_BODY))}))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
    assert stream.bytes_read == 0
    assert cpu < CPU_BUDGET, f"refusing took {cpu * 1000:.1f} ms of CPU"


def test_a_chunked_webhook_past_the_cap_is_a_413_after_reading_at_most_one_byte_more(
        brand, client):
    stream = CountingStream(HOSTILE_BODY)
    response = client.post(INBOUND_PATH, environ_overrides=_chunked_environ(stream))
    assert response.status_code == 413
    assert stream.bytes_read <= WEBHOOK_MAX_BYTES + 1


def test_a_chunked_webhook_within_the_cap_is_recorded(brand, client):
    params = inbound("STOP")
    body = "&".join(f"{name}={value}" for name, value in params.items()).replace("+", "%2B")
    environ = _chunked_environ(CountingStream(body.encode()),
                               signature=sign("http://localhost" + INBOUND_PATH, params))
    assert client.post(INBOUND_PATH, environ_overrides=environ).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_a_webhook_of_more_than_256_fields_is_a_413_before_it_is_parsed(brand, post_signed):
    params = inbound("STOP", **{f"Extra{i}": "x" for i in range(WEBHOOK_MAX_FIELDS)})
    response = post_signed(INBOUND_PATH, params)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_many_fields"
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_a_multipart_webhook_of_more_than_256_fields_is_a_413(brand, client):
    params = inbound("STOP", **{f"Extra{i}": "x" for i in range(WEBHOOK_MAX_FIELDS)})
    response = client.post(INBOUND_PATH, data=params, content_type="multipart/form-data",
                           headers={"X-Twilio-Signature": sign("http://localhost" + INBOUND_PATH,
                                                               params)})
    assert response.status_code == 413


def test_the_largest_form_twilio_sends_is_accepted(brand, post_signed):
    media = {f"MediaUrl{i}": "https://api.twilio.com/2010-04-01/Accounts/AC" + "1" * 32
             + f"/Messages/MM{i:032d}/Media/ME{i:032d}" for i in range(10)}
    media.update({f"MediaContentType{i}": "image/jpeg" for i in range(10)})
    params = inbound("\U0001f600" * 1600, NumMedia="10", NumSegments="10", **media,
                     **{name: "x" * 20 for name in ("FromCity", "FromState", "FromZip",
                                                    "FromCountry", "ToCity", "ToState",
                                                    "ToZip", "ToCountry", "SmsSid",
                                                    "SmsMessageSid", "SmsStatus",
                                                    "ApiVersion", "MessagingServiceSid")})
    assert post_signed(INBOUND_PATH, params).status_code == 200


# --- the audit page's sign-in ---------------------------------------------------------------

def test_an_8_mib_audit_sign_in_costs_under_10_ms_of_cpu_unread(brand, client):
    body = b"key=" + b"k" * (8 * 1024 * 1024 - 4)  # the app's limit, exactly
    client.post("/audit/session", data=b"", content_type=URLENCODED)  # warm the app up
    stream = CountingStream(body)
    response, cpu = _cpu_seconds(lambda: client.post(
        "/audit/session", input_stream=stream, content_type=URLENCODED,
        environ_overrides={"CONTENT_LENGTH": str(len(body))}))
    assert response.status_code == 413
    assert stream.bytes_read == 0
    assert cpu < CPU_BUDGET, f"refusing took {cpu * 1000:.1f} ms of CPU"


def test_a_chunked_audit_sign_in_past_4_kib_is_a_413_after_reading_at_most_one_byte_more(
        brand, client):
    stream = CountingStream(HOSTILE_BODY)
    environ = {"wsgi.input": stream, "wsgi.input_terminated": True,
               "HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_TYPE": URLENCODED}
    response = client.post("/audit/session", environ_overrides=environ)
    assert response.status_code == 413
    assert stream.bytes_read <= SIGN_IN_MAX_BYTES + 1


def test_an_audit_sign_in_without_a_key_is_refused(brand, client):
    response = client.post("/audit/session", data={"other": "x"})
    assert response.status_code == 401
