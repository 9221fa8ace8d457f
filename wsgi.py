"""WSGI entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi`."""

import gc
import os

from smsgate import create_app

app = create_app()
# The web server checks webhooks with Twilio's auth token and signs auditor sessions with the
# secret key, so it refuses to start without them.
# Flask's CLI (`flask --app wsgi ...`, which sets FLASK_RUN_FROM_CLI before importing this)
# builds the same app for commands that may not need Twilio; those that do check themselves.
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    app.config["SMSGATE"].require_web()
# Everything loaded so far (libraries, phonenumbers' metadata, the app) lives as long as the
# process: keep it out of the cyclic collector's full passes, which otherwise stall every
# request in flight in a web worker (docs/benchmarks.md, "gc.freeze").
gc.freeze()
