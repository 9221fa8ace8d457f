"""A NUL or a lone surrogate in any text input is a 400/422 with the JSON error shape, never a
500 and never a half-written record, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from factories import OPT_IN_EVIDENCE, consent, key_header, numbers, post_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from smsgate.extensions import db
from smsgate.models import Campaign, LedgerEntry

HOSTILE = ("\x00", "\ud800", "\udfff", "a\x00b", "x\udc80y")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _is_json_refusal(response) -> bool:
    return response.status_code in (400, 422) and "code" in response.get_json()["error"]


@pytest.mark.parametrize("bad", HOSTILE)
def test_a_campaign_body_or_brand_that_is_not_text_is_refused(client, brand, bad):
    consent(brand.id, numbers(1))
    for payload in ({"brand": "Acme", "body": f"Sale {bad}", "recipients": numbers(1)},
                    {"brand": f"Acme{bad}", "body": "Sale", "recipients": numbers(1)},
                    {"brand": "Acme", "body": "Sale", "recipients": [numbers(1)[0] + bad]}):
        response = post_json(client, "/api/v1/campaigns", payload, key_header())
        assert _is_json_refusal(response), (payload, response.status_code)
    assert _count(Campaign) == 0


@pytest.mark.parametrize("bad", HOSTILE)
def test_consent_evidence_that_is_not_text_is_refused_at_any_depth(client, brand, bad):
    evidence = {**OPT_IN_EVIDENCE, "extra": {"nested": [f"deep {bad}"]}}
    response = post_json(client, "/api/v1/consents", {
        "brand": "Acme", "number": numbers(1)[0], "action": "opt_in", "evidence": evidence},
        key_header())
    assert _is_json_refusal(response)
    assert response.get_json()["error"]["field"] == "evidence.extra.nested[0]"
    key_named = {**OPT_IN_EVIDENCE, f"k{bad}": "v"}
    response = post_json(client, "/api/v1/consents", {
        "brand": "Acme", "number": numbers(1)[0], "action": "opt_in", "evidence": key_named},
        key_header())
    assert _is_json_refusal(response)
    assert _count(LedgerEntry) == 0


@pytest.mark.parametrize("bad", ("%00", "x%00y"))
def test_a_nul_in_a_query_parameter_or_cookie_is_a_400(client, brand, bad):
    headers = key_header("auditor")
    assert _is_json_refusal(client.get(f"/api/v1/ledger.csv?brand=Acme{bad}", headers=headers))
    client.set_cookie("smsgate_audit_key", "sgk_x\x00", path="/audit")
    assert _is_json_refusal(client.get("/audit"))


def test_a_nul_in_the_audit_sign_in_key_is_a_400(client, brand):
    response = client.post("/audit/session", data={"key": "sgk_abc\x00def"})
    assert _is_json_refusal(response)


_UNSTORABLE = st.builds(lambda head, bad, tail: head + bad + tail,
                       st.text(max_size=8), st.sampled_from(["\x00", "\ud800", "\udbff"]),
                       st.text(max_size=8))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=_UNSTORABLE, target=st.sampled_from(["body", "brand", "consent_text", "query"]))
def test_any_string_holding_a_nul_or_lone_surrogate_is_refused_wherever_it_goes(
        client, brand, text, target):
    headers = key_header("admin")
    if target == "query":
        # A URL carries UTF-8 bytes, which cannot spell a lone surrogate: only a NUL gets there.
        text = "".join("\x00" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
        response = client.get("/api/v1/ledger.csv", query_string={"brand": text},
                              headers=headers)
    elif target == "consent_text":
        evidence = {**OPT_IN_EVIDENCE, "consent_text": text}
        response = post_json(client, "/api/v1/consents", {
            "brand": "Acme", "number": numbers(1)[0], "action": "opt_in",
            "evidence": evidence}, headers)
    else:
        payload = {"brand": "Acme", "body": "Sale", "recipients": numbers(1), target: text}
        response = post_json(client, "/api/v1/campaigns", payload, headers)
    assert _is_json_refusal(response), (target, response.status_code)
    assert _count(Campaign) == _count(LedgerEntry) == 0
