"""Behind a reverse proxy: X-Forwarded-* headers count only from the `SMSGATE_PROXY_HOPS`
trusted proxies; and docs/deploying.md's own nginx site, in front of the Procfile's gunicorn,
passes a signed webhook and serves the auditor a Secure cookie."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PSEUDONYM_KEY,
    ROOT,
    SECRET_KEY,
    free_port,
    procfile_web_options,
    sign,
    wait_ready,
)
from sqlalchemy import func, select

from smsgate import create_app
from smsgate.accounts.apikeys import issue_key
from smsgate.config import ConfigError, Settings
from smsgate.extensions import db, redis_connection
from smsgate.http.audit_page import COOKIE
from smsgate.models import LedgerEntry

NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(path, os.X_OK)), None)
OPENSSL = shutil.which("openssl")
DOCS = ROOT / "docs" / "deploying.md"
TWILIO_ENV = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
              "SMSGATE_SECRET_KEY": SECRET_KEY, "SMSGATE_PSEUDONYM_KEY": PSEUDONYM_KEY}


@pytest.fixture
def proxied_app(app, tmp_path):
    """The test app's settings with one trusted proxy in front, built by create_app."""
    application = create_app(replace(app.config["SMSGATE"], proxy_hops=1),
                             instance_path=str(tmp_path / "instance"))
    application.config["TESTING"] = True
    yield application
    with application.app_context():
        db.engine.dispose()


def cookie_header(response) -> str:
    """The Set-Cookie header of the audit session."""
    return next(value for value in response.headers.getlist("Set-Cookie")
                if value.startswith(COOKIE + "="))


def test_proxy_hops_default_to_none_and_must_be_a_count(tmp_path):
    def hops(value: str | None) -> int:
        env = dict(TWILIO_ENV, **({"SMSGATE_PROXY_HOPS": value} if value is not None else {}))
        return Settings.from_env(str(tmp_path), env).proxy_hops

    assert hops(None) == 0 and hops("") == 0 and hops("0") == 0 and hops("2") == 2
    for bad in ("-1", "one", "1.5"):
        with pytest.raises(ConfigError, match="SMSGATE_PROXY_HOPS"):
            hops(bad)


def test_forwarded_proto_from_an_untrusted_client_does_not_make_the_cookie_secure(brand,
                                                                                  client):
    secret = issue_key(db.session, "auditor").secret
    db.session.commit()
    response = client.post("/audit/session", data={"key": secret},
                           headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 303
    assert "Secure" not in cookie_header(response)


def test_forwarded_proto_from_the_trusted_proxy_makes_the_cookie_secure(brand, proxied_app):
    secret = issue_key(db.session, "auditor").secret
    db.session.commit()
    client = proxied_app.test_client()
    response = client.post("/audit/session", data={"key": secret},
                           headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 303 and "Secure" in cookie_header(response)
    # A client's own value before the proxy's is not the proxy's word: only the last counts.
    response = client.post("/audit/session", data={"key": secret},
                           headers={"X-Forwarded-Proto": "https, http"})
    assert "Secure" not in cookie_header(response)


def test_sign_in_origin_is_checked_against_the_host_the_trusted_proxy_names(brand, client,
                                                                            proxied_app):
    secret = issue_key(db.session, "auditor").secret
    db.session.commit()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sms.example.com",
                 "X-Forwarded-Port": "443", "Origin": "https://sms.example.com"}
    response = proxied_app.test_client().post("/audit/session", data={"key": secret},
                                              headers=forwarded)
    assert response.status_code == 303
    # Without a trusted proxy the same headers name nothing: the Origin is another site.
    assert client.post("/audit/session", data={"key": secret},
                       headers=forwarded).status_code == 403


# --- docs/deploying.md's nginx in front of gunicorn -------------------------------------------

def documented_nginx_site() -> str:
    """The nginx block between the `nginx-site` markers of docs/deploying.md."""
    text = DOCS.read_text()
    section = text.split("<!-- nginx-site -->", 1)[1].split("<!-- /nginx-site -->", 1)[0]
    return section.split("```nginx\n", 1)[1].split("```", 1)[0]


def local_site(site: str, port: int, upstream: int, cert: Path, key: Path) -> str:
    """The documented site on loopback ports with a throwaway certificate; each replaced
    directive must be there exactly once, so the test fails rather than drift from the docs."""
    replacements = [
        (r"listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
        (r"server 127\.0\.0\.1:5000;", f"server 127.0.0.1:{upstream};"),
        (r"ssl_certificate \S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};"),
    ]
    for pattern, value in replacements:
        site, count = re.subn(pattern, value, site)
        assert count == 1, f"docs/deploying.md's nginx site no longer has {pattern!r}"
    return site


def nginx_conf(directory: Path, site: str) -> str:
    """A whole nginx.conf around `site`, everything nginx writes kept inside `directory`."""
    # As root, nginx's workers would otherwise run as nobody, who cannot enter pytest's tmp.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {name}_temp_path {directory / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {directory / 'nginx.pid'};\n"
            f"error_log {directory / 'error.log'} warn;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n    access_log off;\n{temp}\n{site}\n}}\n")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, made by openssl."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def wait_listening(port: int, server: subprocess.Popen, log: Path) -> None:
    """Until something accepts TLS connections on `port` (nginx has started)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, f"nginx exited: {log.read_text() if log.exists() else ''}"
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("nginx did not listen")


@pytest.mark.slow
@pytest.mark.skipif(not NGINX, reason="no nginx (apt-get install nginx)")
@pytest.mark.skipif(not OPENSSL, reason="no openssl to make a throwaway certificate")
def test_documented_nginx_passes_signed_webhooks_and_the_audit_cookie_is_secure(app, brand,
                                                                               tmp_path):
    settings = app.config["SMSGATE"]
    redis_url = settings.redis_url or (
        "unix://" + redis_connection().connection_pool.connection_kwargs["path"])
    web_port, proxy_port = free_port(), free_port()
    public = f"https://127.0.0.1:{proxy_port}"
    cert, key = self_signed_certificate(tmp_path)
    (tmp_path / "nginx.conf").write_text(nginx_conf(tmp_path, local_site(
        documented_nginx_site(), proxy_port, web_port, cert, key)))
    auditor = issue_key(db.session, "auditor").secret
    db.session.commit()
    env = dict(os.environ, DATABASE_URL=settings.database_url, REDIS_URL=redis_url,
               PUBLIC_BASE_URL=public, SMSGATE_PROXY_HOPS="1", **TWILIO_ENV)
    env.pop("SMSGATE_DEV", None)
    web = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "wsgi:app",
         "--bind", f"127.0.0.1:{web_port}", *procfile_web_options()],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    proxy = None
    try:
        wait_ready(f"http://127.0.0.1:{web_port}", web)
        proxy = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                  "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        wait_listening(proxy_port, proxy, tmp_path / "error.log")
        tls = ssl.create_default_context(cafile=str(cert))

        def post(path: str, params: dict, headers: dict) -> http.client.HTTPResponse:
            connection = http.client.HTTPSConnection("127.0.0.1", proxy_port, context=tls,
                                                     timeout=30)
            connection.request("POST", path, body=urlencode(params), headers={
                "Content-Type": "application/x-www-form-urlencoded", **headers})
            response = connection.getresponse()
            response.read()
            connection.close()
            return response

        stop = {"MessageSid": "SM" + "7" * 32, "AccountSid": ACCOUNT_SID,
                "From": "+14155550123", "To": "+14155550100", "Body": "STOP"}
        path = "/webhooks/twilio/inbound"
        assert post(path, stop, {"X-Twilio-Signature": "forged"}).status == 403
        assert post(path, stop, {"X-Twilio-Signature": sign(public + path, stop)}).status == 200

        signed_in = post("/audit/session", {"key": auditor}, {"Origin": public})
        assert signed_in.status == 303, "the same-origin check must see the public host"
        cookie = signed_in.getheader("Set-Cookie")
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"secure", "httponly", "path"} <= attributes and "SameSite=Strict" in cookie
        assert auditor not in cookie and cookie.startswith(COOKIE + "=")
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(20)
        web.terminate()
        web.wait(20)

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
