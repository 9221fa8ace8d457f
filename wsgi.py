"""WSGI entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi`."""

import gc

from smsgate import create_app

app = create_app()
# Everything loaded so far (the libraries, phonenumbers' metadata, the app) lives as long as
# the process: keep it out of the cyclic collector's full passes. Without this a full pass in a
# web worker took up to 95 ms, holding the GIL, so every request in flight in that process
# waited (measured under bench/webhook.py); with it, under 2 ms.
gc.freeze()
