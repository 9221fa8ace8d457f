"""The bare baseline for bench/webhook.py: a Flask app that only answers empty TwiML.

Served by gunicorn with exactly the settings smsgate gets in the same run, it measures what
the machine, gunicorn and Flask cost on their own, so smsgate's rate can be read as a ratio.
"""

from __future__ import annotations

from flask import Flask, Response

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

app = Flask(__name__)


@app.post("/webhooks/twilio/inbound")
def inbound() -> Response:
    """Answer what smsgate answers, doing nothing else."""
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")
