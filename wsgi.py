"""WSGI entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi`."""

from smsgate import create_app

app = create_app()
