"""WSGI entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi`."""

import gc

from smsgate import create_app

app = create_app()
# Everything loaded so far (libraries, phonenumbers' metadata, the app) lives as long as the
# process: keep it out of the cyclic collector's full passes, which otherwise stall every
# request in flight in a web worker (docs/benchmarks.md, "gc.freeze").
gc.freeze()
