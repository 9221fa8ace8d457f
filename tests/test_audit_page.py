"""The auditor's page: a signed session (never the key) in an HttpOnly cookie, lookups, CSV
download, verification, escaping; the secret key that signs it; and the same journey in a real
headless Chromium."""

from __future__ import annotations

import shutil
import stat
from datetime import timedelta

import pytest
from audit_support import (
    CSV_PATH,
    add_brand,
    append_at,
    bearer,
    ids_of,
    issue,
    record,
    rewrite_from,
)
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from smsgate.accounts.apikeys import revoke_key
from smsgate.config import ConfigError, Settings
from smsgate.consent import checkpoints
from smsgate.extensions import db
from smsgate.http import audit_page
from smsgate.http.audit_page import COOKIE, SESSION_LIFETIME
from smsgate.models import ApiKey, utcnow

pytest_plugins = ["audit_fixtures"]  # fixtures: clock, live_server, store

N1, N2 = "+14155550123", "+14155550124"
XSS = '<img src=x onerror="document.title=\'pwned\'"><script>window.pwned=1</script>'


@pytest.fixture
def ledger_with_hostile_text(clock, brand):
    """Acme and Bolt; N1's STOP at Acme carries markup; N2 sends STOPALL through Bolt."""
    bolt = add_brand("Bolt", "+14155550101")
    append_at(clock, "2026-01-05T10:00:00+00:00", record(
        N1, brand.id, evidence={"consent_text": "Yes to Acme texts", "ip": "203.0.113.7"}))
    append_at(clock, "2026-01-06T10:00:00+00:00",
              record(N1, brand.id, "opt_out", "sms", keyword="STOP", raw_text=XSS))
    append_at(clock, "2026-01-07T10:00:00+00:00", record(N2, bolt.id))
    append_at(clock, "2026-01-08T10:00:00+00:00",
              record(N2, bolt.id, "opt_out", "sms", scope="all", keyword="STOPALL",
                     raw_text="STOP ALL"))
    return brand, bolt


def sign_in(client, secret: str, **headers):
    return client.post("/audit/session", data={"key": secret}, headers=headers)


def page_text(response) -> str:
    return response.get_data(as_text=True)


# --- the session in the browser ------------------------------------------------------------------

def session_of(app, client) -> dict:
    """The audit cookie's content, checked against the app's secret key."""
    value = client.get_cookie(COOKIE, path="/audit").value
    return app.session_interface.get_signing_serializer(app).loads(value)


def test_sign_in_keeps_a_signed_session_naming_the_key_id_never_the_key(app, brand, client):
    secret = issue("auditor")
    response = sign_in(client, secret)
    assert response.status_code == 303 and response.headers["Location"] == "/audit"
    cookie = client.get_cookie(COOKIE, path="/audit")
    assert secret not in cookie.value and secret.split("_")[1] not in cookie.value
    assert cookie.http_only and cookie.same_site == "Strict" and not cookie.secure
    assert cookie.expires is None  # a browser-session cookie
    content = session_of(app, client)
    assert content["key_id"] == 1 and isinstance(content["signed_in_at"], int)
    assert "Key #1 · auditor · all brands" in page_text(client.get("/audit"))


def test_cookie_is_secure_when_the_page_is_served_over_https(brand, client):
    response = client.post("/audit/session", data={"key": issue("auditor")},
                           base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_raw_key_in_a_cookie_signs_nobody_in(brand, client):
    secret = issue("auditor")
    for name in (COOKIE, "smsgate_audit_key"):  # the new cookie, and the one that held keys
        client.set_cookie(name, secret, path="/audit")
    assert client.get("/audit/verify").status_code == 401


def test_a_session_signed_with_another_secret_key_is_refused(brand, client):
    issue("auditor")
    forged = URLSafeTimedSerializer("not-the-servers-secret-key-0123456789",
                                    salt="cookie-session", signer_kwargs={
                                        "key_derivation": "hmac", "digest_method": "sha1"})
    client.set_cookie(COOKIE, forged.dumps({"key_id": 1, "signed_in_at": 2**31}),
                      path="/audit")
    assert client.get("/audit/verify").status_code == 401


def test_marketer_and_unknown_keys_cannot_sign_in(brand, client):
    response = sign_in(client, issue("marketer"))
    assert response.status_code == 403
    assert "This page needs an auditor key." in page_text(response)
    assert sign_in(client, "sgk_nope_nope").status_code == 401
    assert client.get_cookie(COOKIE, path="/audit") is None


def test_cross_site_sign_in_is_refused(brand, client):
    secret = issue("auditor")
    assert sign_in(client, secret, Origin="https://evil.example").status_code == 403
    assert sign_in(client, secret, Origin="null").status_code == 403
    assert sign_in(client, secret, **{"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert sign_in(client, secret, **{"Sec-Fetch-Site": "same-site"}).status_code == 403
    assert client.get_cookie(COOKIE, path="/audit") is None
    assert sign_in(client, secret, Origin="http://localhost").status_code == 303


def test_the_api_never_accepts_the_audit_cookie(brand, client):
    sign_in(client, issue("auditor"))
    client.set_cookie(COOKIE, client.get_cookie(COOKIE, path="/audit").value, path="/")
    assert client.get(CSV_PATH).status_code == 401
    assert client.get("/api/v1/ledger/verify").status_code == 401


def test_signed_out_routes_ask_to_sign_in_and_a_revoked_key_ends_its_session(brand, client):
    for path in ("/audit/ledger.csv", "/audit/verify"):
        response = client.get(path)
        assert response.status_code == 401 and 'name="key"' in page_text(response)
    secret = issue("auditor")
    sign_in(client, secret)
    assert client.get("/audit/verify").status_code == 200
    revoke_key(db.session, 1)
    db.session.commit()
    assert client.get("/audit/verify").status_code == 401
    assert client.get_cookie(COOKIE, path="/audit") is None  # and the browser drops it


def test_a_session_ends_after_its_lifetime(brand, client, monkeypatch):
    sign_in(client, issue("auditor"))
    last_moment = session_of(client.application, client)["signed_in_at"] + int(
        SESSION_LIFETIME.total_seconds())
    monkeypatch.setattr(audit_page, "_now", lambda: last_moment)
    assert client.get("/audit/verify").status_code == 200
    monkeypatch.setattr(audit_page, "_now", lambda: last_moment + 1)
    assert client.get("/audit/verify").status_code == 401


def test_a_session_signed_before_its_key_existed_counts_for_nothing(brand, client):
    issue("auditor")  # as if the database were rebuilt and id 1 given to a new key
    created = int(db.session.get(ApiKey, 1).created_at.timestamp())
    with client.session_transaction() as browser_session:
        browser_session.update(key_id=1, signed_in_at=created - 1)
    assert client.get("/audit/verify").status_code == 401


def test_sign_out_forgets_the_session(brand, client):
    sign_in(client, issue("auditor"))
    response = client.post("/audit/session/end")
    assert response.status_code == 303
    assert client.get_cookie(COOKIE, path="/audit") is None
    assert client.get("/audit/verify").status_code == 401


# --- the secret key that signs it ----------------------------------------------------------------

TWILIO_ENV = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "token"}


def test_secret_key_is_required_by_the_web_app_outside_dev_mode(tmp_path):
    with pytest.raises(ConfigError, match="SMSGATE_SECRET_KEY is required"):
        Settings.from_env(str(tmp_path), TWILIO_ENV).require_web()
    with pytest.raises(ConfigError, match="at least 32 characters"):
        Settings.from_env(str(tmp_path), {**TWILIO_ENV, "SMSGATE_SECRET_KEY": "short"})
    key = "k" * 32
    assert Settings.from_env(str(tmp_path), {**TWILIO_ENV, "SMSGATE_SECRET_KEY": key}
                             ).secret_key == key
    assert not (tmp_path / "secret_key").exists()


def test_dev_mode_generates_a_secret_key_once_into_the_instance_folder(tmp_path):
    instance = tmp_path / "instance"  # not there yet: the first process creates it
    first = Settings.from_env(str(instance), {"SMSGATE_DEV": "1"}).secret_key
    assert len(first) >= 32
    assert Settings.from_env(str(instance), {"SMSGATE_DEV": "1"}).secret_key == first
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert not [path.name for path in instance.iterdir() if path.name.startswith(".")]  # no drafts
    assert Settings.from_env(str(tmp_path / "other"), {"SMSGATE_DEV": "1"}).secret_key != first


def test_every_page_sends_a_strict_content_security_policy(brand, client):
    response = client.get("/audit")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # no script may run at all
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in page_text(response)
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


# --- what a signed-in auditor sees -------------------------------------------------------------

def test_lookup_shows_state_per_brand_and_history_with_markup_escaped(ledger_with_hostile_text,
                                                                    client):
    sign_in(client, issue("auditor"))
    response = client.get("/audit", query_string={"number": "(415) 555-0123"})
    html = page_text(response)
    assert response.status_code == 200
    assert "Consent of +14155550123 per brand" in html
    assert "<img src=x" not in html and "<script>window" not in html
    assert "&lt;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&gt;" in html
    assert "History, newest first: 2 of 2 entries" in html


def test_lookup_applies_a_stopall_to_every_brand(ledger_with_hostile_text, client):
    sign_in(client, issue("auditor"))
    html = page_text(client.get("/audit", query_string={"number": N2}))
    states = html.split('id="states"')[1].split("</table>")[0]
    assert states.count(">opt_out<") == 2 and states.count("#4 (STOPALL)") == 2


def test_scoped_auditor_page_shows_only_its_brand(ledger_with_hostile_text, client):
    sign_in(client, issue("auditor", "Bolt"))
    html = page_text(client.get("/audit", query_string={"number": N1}))
    assert "Key #1 · auditor · Bolt" in html
    assert "No consent recorded for this number." in html and "Yes to Acme texts" not in html
    assert '<option value="Acme"' not in html and '<option value="">All brands' not in html


def test_lookup_of_an_invalid_number_says_why(brand, client):
    sign_in(client, issue("auditor"))
    response = client.get("/audit", query_string={"number": "<b>12</b>"})
    assert response.status_code == 422
    assert "<b>12</b>" not in page_text(response) and "wrong number of digits" in page_text(
        response) or "not a phone number" in page_text(response)


def test_page_download_is_the_same_stream_as_the_api(ledger_with_hostile_text, client):
    secret = issue("auditor")
    sign_in(client, secret)
    query = {"brand": "Acme", "number": "", "since": "2026-01-06", "until": "", "as_of": ""}
    response = client.get("/audit/ledger.csv", query_string=query)
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"].startswith("attachment;")
    page_bytes = response.get_data()  # read each stream before the next request starts
    api = client.get(CSV_PATH, query_string=query, headers=bearer(secret))
    assert page_bytes == api.get_data()
    assert ids_of(page_bytes) == [2, 4]


def test_page_download_with_a_bad_filter_shows_the_error_on_the_page(brand, client):
    sign_in(client, issue("auditor"))
    response = client.get("/audit/ledger.csv", query_string={"since": "last tuesday"})
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "since: expected an ISO 8601 date" in page_text(response)


def test_page_verify_reports_intact_then_the_broken_entry(ledger_with_hostile_text, client):
    sign_in(client, issue("auditor"))
    assert "Intact: 4 entries" in page_text(client.get("/audit/verify"))
    db.session.execute(text("UPDATE ledger_entries SET raw_text = 'START' WHERE id = 2"))
    db.session.commit()
    assert "Broken at entry #2:\n        entry altered" in page_text(client.get("/audit/verify"))


# --- the same journey in a real browser ---------------------------------------------------------

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (apt-get install chromium)")
def test_auditor_signs_in_looks_up_downloads_and_verifies_in_chromium(
        ledger_with_hostile_text, client, live_server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    auditor, marketer = issue("auditor"), issue("marketer")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(accept_downloads=True,
                                          viewport={"width": 1280, "height": 900})
            page = context.new_page()
            console = []
            page.on("console", lambda message: console.append(message.text))
            page.on("dialog", lambda dialog: console.append("dialog: " + dialog.message))
            page.set_default_timeout(15_000)

            page.goto(live_server + "/audit")
            page.fill("input[name=key]", marketer)
            page.get_by_role("button", name="Sign in").click()
            assert page.inner_text("[role=alert]") == "This page needs an auditor key."
            page.fill("input[name=key]", auditor)
            page.get_by_role("button", name="Sign in").click()
            assert "auditor · all brands" in page.inner_text("header")
            cookie, = context.cookies()
            assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (
                COOKIE, True, "Strict", "/audit")
            assert page.evaluate("document.cookie") == ""  # no script can read the key

            page.fill("#lookup input[name=number]", "(415) 555-0123")
            page.get_by_role("button", name="Look up").click()
            assert page.inner_text("#states tbody").split("\t")[:2] == ["Acme", "opt_out"]
            hostile = page.locator("#history td.text").first
            assert hostile.inner_text() == XSS  # shown as text, not run as markup
            assert page.locator("#history img, #history script").count() == 0
            assert page.evaluate("window.pwned") is None and page.title().startswith("smsgate")

            page.select_option("#export select[name=brand]", "Acme")
            page.fill("#export input[name=since]", "2026-01-06")
            with page.expect_download() as download_info:
                page.get_by_role("button", name="Download CSV").click()
            download = download_info.value
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            api = client.get(CSV_PATH, query_string={"brand": "Acme", "since": "2026-01-06"},
                             headers=bearer(auditor))
            assert saved.read_bytes() == api.get_data()
            assert ids_of(saved.read_bytes()) == [2, 4]

            page.get_by_role("button", name="Verify the hash chain").click()
            assert page.inner_text("#verdict").startswith("Intact: 4 entries")
            assert "Consent of +14155550123" in page.inner_text("#lookup")  # still on screen
            page.screenshot(path="/tmp/smsgate_audit_page.png", full_page=True)

            db.session.execute(text("UPDATE ledger_entries SET raw_text = 'x' WHERE id = 3"))
            db.session.commit()
            page.get_by_role("button", name="Verify the hash chain").click()
            assert page.inner_text("#verdict").startswith("Broken at entry #3: entry altered")

            page.get_by_role("button", name="Sign out").click()
            assert page.locator("input[name=key]").count() == 1
            assert context.cookies() == []
            assert not [line for line in console if "Content Security Policy" in line
                        or line.startswith("dialog")], console
        finally:
            browser.close()


def test_page_lists_open_reviews_escaped_and_scoped(ledger_with_hostile_text, clock, client):
    acme, bolt = ledger_with_hostile_text
    append_at(clock, "2026-01-09T10:00:00+00:00", record(
        N1, bolt.id, "review", "sms", keyword="model:test", raw_text=XSS,
        evidence={"score": 0.5}))
    sign_in(client, issue("auditor"))
    queue = page_text(client.get("/audit")).split('id="review-queue"')[1].split("</table>")[0]
    assert "#5" in queue and "model:test" in queue and "0.50" in queue
    assert N1 not in queue and "+1415***0123" in queue  # masked, as in the overview
    assert "<img src=x" not in queue and "&lt;img src=x" in queue
    client.post("/audit/session/end")
    sign_in(client, issue("auditor", "Acme"))
    queue = page_text(client.get("/audit")).split('id="review-queue"')[1].split("</table>")[0]
    assert "Nothing awaits review." in queue


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM, reason="no chromium on PATH (apt-get install chromium)")
def test_auditor_sees_the_overview_chart_checkpoint_and_recent_opt_outs_in_chromium(
        clock, brand, live_server, store):
    sync_api = pytest.importorskip("playwright.sync_api")
    bolt = add_brand("Bolt", "+14155550101")
    today = utcnow().date()
    for days_ago, count in ((60, 3), (30, 1), (2, 5)):
        moment = f"{(today - timedelta(days=days_ago)).isoformat()}T12:00:00+00:00"
        append_at(clock, moment, *[record(f"+1415555{days_ago:02d}{i:02d}", brand.id)
                                   for i in range(count)])
    append_at(clock, f"{(today - timedelta(days=1)).isoformat()}T09:00:00+00:00",
              record("+14155550177", brand.id, "opt_out", "sms", keyword="STOP", raw_text="STOP"),
              record("+14155550178", bolt.id, "opt_out", "provider"))
    checkpoints.take(db.session, store)
    db.session.rollback()
    auditor = issue("auditor")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            console = []
            page.on("console", lambda message: console.append(message.text))
            page.set_default_timeout(15_000)
            page.goto(live_server + "/audit")
            page.fill("input[name=key]", auditor)
            page.get_by_role("button", name="Sign in").click()

            # The chart is drawn: a panel per brand, and bars the browser laid out with size.
            assert page.locator("#chart g.panel").count() == 2
            bars = page.locator("#chart rect.bar")
            assert bars.count() == 5  # three days of Acme opt-ins, Acme's and Bolt's opt-outs
            boxes = [bars.nth(i).bounding_box() for i in range(bars.count())]
            assert all(box and box["width"] > 0 and box["height"] > 0 for box in boxes)
            in_bars = page.locator("#chart rect.bar.opt_in")
            heights = sorted(in_bars.nth(i).bounding_box()["height"]
                             for i in range(in_bars.count()))
            assert heights[2] == pytest.approx(5 * heights[0], rel=0.02)  # 5 vs 1 per day
            assert "Acme\t9 (api 9)\t1 (sms 1)" in page.inner_text("#totals")

            verdict = page.inner_text("#checkpoint-verdict")
            assert verdict.startswith("The ledger extends the checkpoint of 11 entries")
            recent = page.inner_text("#recent-opt-outs")
            assert "+1415***0177" in recent and "+14155550177" not in page.content()
            page.screenshot(path="/tmp/smsgate_audit_overview.png", full_page=True)

            rewrite_from(1, "rewritten")
            page.reload()
            assert page.inner_text("#checkpoint-verdict").startswith(
                "The ledger does NOT extend checkpoint-000000000011-")
            assert not [line for line in console if "Content Security Policy" in line], console
        finally:
            browser.close()
