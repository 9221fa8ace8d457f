"""The auditor's page, `/audit`: sign in with a key, see the overview (consent changes over
90 days as an SVG chart, the latest signed checkpoint and whether the ledger extends it, the
newest opt-outs), look a number up, download the CSV, check that the ledger verifies.
Server-rendered (Jinja, autoescaped); no JavaScript at all.

How a signed-in auditor is remembered, and why this is safe against CSRF:

* Signing in POSTs the key once. The key itself is never stored: the answer sets Flask's
  session cookie, signed with `SMSGATE_SECRET_KEY`, naming the key's id and when it signed
  in. Every request re-reads that key's row, so revoking the key (`smsgate key revoke`) ends
  its sessions at once; a session also ends after `SESSION_LIFETIME`, and one signed before
  its key row was created (a rebuilt database reusing the id) counts for nothing. The cookie
  is **HttpOnly** (no script can read it), **SameSite=Strict** (the browser sends it only on
  requests that start on this site: a link or form on another site arrives without it),
  **Path=/audit** (never sent to the JSON API), **Secure** when the request came over https
  (directly, or through the `SMSGATE_PROXY_HOPS` trusted proxies: an X-Forwarded-Proto from
  anyone else counts for nothing), and a browser-session cookie (gone when the browser
  closes). Signing out clears it. A cookie, not sessionStorage + fetch, so that a
  million-row CSV streams straight to disk through a plain download link.
* The cookie is honoured only by the GET routes below, and they only read. `/api/...` reads
  keys from the Authorization header alone (`smsgate.http.auth`), so no state-changing route
  accepts this cookie. Sign-in and sign-out are the only POSTs; they refuse a request whose
  Origin (or Sec-Fetch-Site) says it came from another site, so a hostile page cannot sign
  a victim in with the attacker's key.
* Every response carries a strict Content-Security-Policy (no scripts, styles only by
  nonce, no framing) and `Referrer-Policy: same-origin` (a lookup puts a number in the URL,
  which must not leak to another site).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue

from smsgate.accounts.apikeys import find_key
from smsgate.audit import chart, overview
from smsgate.audit.lookup import number_report, visible_brands
from smsgate.consent import checkpoints
from smsgate.consent.ledger import format_time, verify
from smsgate.consent.reviews import open_reviews
from smsgate.errors import Forbidden, SmsgateError
from smsgate.extensions import db
from smsgate.http.export_response import csv_response
from smsgate.http.forms import read_form
from smsgate.http.params import require_text
from smsgate.messaging.numbers import InvalidNumberError, mask_number, normalize_number
from smsgate.models import ApiKey, utcnow
from smsgate.privacy.pseudonym import erased_among

bp = Blueprint("page", __name__, url_prefix="/audit")

COOKIE = "smsgate_audit"
SESSION_PATH = "/audit"  # the only path the session cookie is sent to, and read on
PAGE_ROLES = ("auditor", "admin")  # keys that may sign in to this page
SIGN_IN_MAX_BYTES = 4096  # a key is some 50 characters; a larger sign-in form is not a browser's
SIGN_IN_MAX_FIELDS = 16
SESSION_LIFETIME = timedelta(hours=12)  # a forgotten browser does not stay signed in for days


class AuditSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure exactly when the request is https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """`request.is_secure` (ProxyFix makes it follow the trusted proxies' scheme)."""
        return request.is_secure

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The signed session on /audit; elsewhere (every webhook) an empty one, with no
        cookie parsed: the browser sends this cookie to /audit alone."""
        if not request.path.startswith(SESSION_PATH):
            return self.session_class()
        return super().open_session(app, request)


@bp.record_once
def _use_audit_session(state: BlueprintSetupState) -> None:
    """The app's session is this page's alone: its cookie lives under /audit."""
    app = state.app
    assert isinstance(app, Flask)  # typed as sansio's App; registered only on a Flask app
    app.config.update(SESSION_COOKIE_NAME=COOKIE, SESSION_COOKIE_PATH=SESSION_PATH,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
                      PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME)
    app.session_interface = AuditSessionInterface()


@bp.before_request
def _nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


@bp.after_request
def _security_headers(response: Response) -> Response:
    # An app-level check may refuse the request before this blueprint's before_request ran.
    nonce = g.get("csp_nonce") or secrets.token_urlsafe(16)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Not "no-referrer": with it Chromium sends `Origin: null` on our own form posts.
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def _now() -> float:
    """Seconds since the epoch (tests move this clock)."""
    return utcnow().timestamp()


def _signed_in() -> ApiKey | None:
    """The auditor (or admin) key the session names, re-read now; None (and the session
    cleared) when there is none, or it was revoked, or the session is too old."""
    key_id, since = session.get("key_id"), session.get("signed_in_at")
    if not (isinstance(key_id, int) and isinstance(since, int)):
        return None
    key = db.session().get(ApiKey, key_id)
    if (key is None or key.revoked_at is not None or key.role not in PAGE_ROLES
            or since < int(key.created_at.timestamp())
            or _now() - since > SESSION_LIFETIME.total_seconds()):
        session.clear()
        return None
    return key


def _render(key: ApiKey | None, status: int = 200, **context: Any) -> tuple[str, int]:
    if key is not None:
        context.setdefault("brands", [name for _, name in visible_brands(db.session(),
                                                                          key.brand_id)])
        context.setdefault("scope", context["brands"][0] if key.brand_id else None)
    return render_template("audit.html", key=key, nonce=g.csp_nonce, fmt=format_time,
                           mask=mask_number,
                           **context), status


def _same_site_only() -> None:
    """Refuse a cross-site POST (login CSRF); requests without these headers are not from
    a browser, so they cannot carry a victim's cookies anyway."""
    fetch_site = request.headers.get("Sec-Fetch-Site")  # set by the browser, not by pages
    if fetch_site is not None:
        if fetch_site not in ("same-origin", "none"):
            raise Forbidden("cross-site request refused", code="cross_site")
        return
    origin = request.headers.get("Origin")  # older browsers; "null" counts as foreign
    if origin is not None and urlsplit(origin).netloc != request.host:
        raise Forbidden("cross-site request refused", code="cross_site")


REVIEWS_SHOWN = 100  # the oldest first; the API lists up to its own limit


@bp.get("")
def page() -> ResponseReturnValue:
    """The page: a sign-in form, or the auditor's tools (and a number's report if asked)."""
    key = _signed_in()
    if key is None:
        return _render(None)
    context = _lookup(key)
    context["reviews"] = open_reviews(db.session(), key.brand_id, limit=REVIEWS_SHOWN)
    return _render(key, 422 if "lookup_error" in context else 200, **context,
                   **_overview(key))


def _overview(key: ApiKey) -> dict[str, Any]:
    """The overview's context: the 90-day chart, the latest checkpoint and whether the
    ledger extends it, and the newest opt-outs (numbers masked)."""
    session, today = db.session(), utcnow().date()
    context = {
        "chart": chart.build(overview.daily_counts(session, key.brand_id, today), today),
        "checkpoint": checkpoints.latest_status(session, checkpoints.CheckpointStore.current()),
        "recent_opt_outs": overview.recent_opt_outs(session, key.brand_id),
    }
    session.rollback()  # end the read transaction before the page renders
    return context


def _lookup(key: ApiKey) -> dict[str, Any]:
    """The page context for the `number` asked for, if any: its report, or why not."""
    raw = request.args.get("number", "").strip()
    if not raw:
        return {}
    try:
        number = normalize_number(raw)
    except InvalidNumberError as exc:
        return {"lookup_error": str(exc), "asked": raw}
    pseudonym_key = current_app.config["SMSGATE"].require_pseudonym_key()
    return {"report": number_report(db.session(), number, key.brand_id), "asked": raw,
            "erased": bool(erased_among(db.session(), pseudonym_key, [number]))}


@bp.post("/session")
def sign_in() -> ResponseReturnValue:
    """Check the key and start a session naming it (see the module docstring)."""
    _same_site_only()
    # Capped before it is read (413): an unauthenticated form must stay cheap to refuse.
    form = read_form(request, max_bytes=SIGN_IN_MAX_BYTES, max_fields=SIGN_IN_MAX_FIELDS)
    secret = require_text(form.get("key", ""), "key").strip()
    key = find_key(db.session(), secret) if secret else None
    if key is None:
        return _render(None, 401, sign_in_error="Unknown or revoked key.")
    if key.role not in PAGE_ROLES:
        return _render(None, 403, sign_in_error="This page needs an auditor key.")
    session.clear()
    session.update(key_id=key.id, signed_in_at=int(_now()))
    return redirect(url_for(".page"), code=303)


@bp.post("/session/end")
def sign_out() -> ResponseReturnValue:
    """End the session: the browser is told to drop the cookie."""
    _same_site_only()
    session.clear()
    return redirect(url_for(".page"), code=303)


@bp.get("/ledger.csv")
def download() -> ResponseReturnValue:
    """The CSV export for the form's filters, streamed as a download."""
    key = _signed_in()
    if key is None:
        return _render(None, 401, sign_in_error="Sign in to download the ledger.")
    try:
        return csv_response(key.brand_id, request.args.to_dict(flat=False))
    except SmsgateError as exc:
        return _render(key, exc.status, export_error=exc.message, asked_export=request.args)


@bp.get("/verify")
def verify_ledger() -> ResponseReturnValue:
    """Walk the whole chain and show the outcome (and the number looked up, if any)."""
    key = _signed_in()
    if key is None:
        return _render(None, 401, sign_in_error="Sign in to verify the ledger.")
    result = verify(db.session())
    db.session.rollback()
    context = _lookup(key)  # keep the number on screen that was being looked at
    return _render(key, verification=result, **context)
