"""GET /api/v1/suppressions and `smsgate suppressions export`: who is opted out of a brand."""

from __future__ import annotations

from factories import INBOUND_PATH, consent, inbound, key_header, numbers
from sqlalchemy import select

from smsgate.accounts.brands import create_brand
from smsgate.consent.ledger import format_time
from smsgate.extensions import db
from smsgate.models import LedgerEntry

PATH = "/api/v1/suppressions"
BOLT_NUMBER = "+14155550111"


def recorded(entry_id: int) -> str:
    return format_time(db.session.get(LedgerEntry, entry_id).recorded_at)


def opted_out_world(brand, post_signed):
    """Acme: one SMS STOP, one API opt-out, one opted in, one STOPALL sent to Bolt's number,
    one opted out of Bolt only; returns (Bolt, the expected CSV for Acme)."""
    bolt = create_brand(db.session, "Bolt", [BOLT_NUMBER])
    db.session.commit()
    texted, api_out, fine, stopall, bolt_only = numbers(5)
    consent(brand.id, [texted, api_out, fine, stopall])
    consent(bolt.id, [bolt_only])
    post_signed(INBOUND_PATH, inbound("STOP", sid="SM" + "1" * 32, sender=texted))
    [api_entry] = consent(brand.id, [api_out], "opt_out")
    post_signed(INBOUND_PATH, inbound("STOP ALL", sid="SM" + "2" * 32, sender=stopall,
                                      to=BOLT_NUMBER))
    post_signed(INBOUND_PATH, inbound("STOP", sid="SM" + "3" * 32, sender=bolt_only,
                                      to=BOLT_NUMBER))
    sms_entry = db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.number == texted,
                                                               LedgerEntry.action == "opt_out"))
    stopall_entry = db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.scope == "all"))
    rows = sorted([(texted, recorded(sms_entry), "sms"), (api_out, recorded(api_entry), "api"),
                   (stopall, recorded(stopall_entry), "stopall")])
    expected = "number,since,source\r\n" + "".join(f"{n},{t},{s}\r\n" for n, t, s in rows)
    return bolt, expected


def test_a_brands_suppressions_list_every_opt_out_a_stopall_included(client, brand,
                                                                       post_signed):
    _, expected = opted_out_world(brand, post_signed)
    response = client.get(PATH, query_string={"brand": "Acme"}, headers=key_header("auditor"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data(as_text=True) == expected
    scoped = client.get(PATH, query_string={"brand": "Acme"},
                        headers=key_header("marketer", "Acme"))
    assert scoped.get_data(as_text=True) == expected


def test_a_stopall_counts_for_a_brand_made_after_it_without_the_cli(client, brand,
                                                                    post_signed):
    post_signed(INBOUND_PATH, inbound("STOPALL"))
    create_brand(db.session, "Late", ["+14155550122"])
    db.session.commit()
    text = client.get(PATH, query_string={"brand": "Late"},
                      headers=key_header("auditor")).get_data(as_text=True)
    assert text.splitlines()[1].startswith("+14155550123,")
    assert text.splitlines()[1].endswith(",stopall")


def test_the_cli_writes_the_same_bytes_as_the_api(client, runner, brand, post_signed, tmp_path):
    _, expected = opted_out_world(brand, post_signed)
    out = tmp_path / "acme.csv"
    result = runner.invoke(args=["smsgate", "suppressions", "export", "--brand", "Acme",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == expected.encode()
    unknown = runner.invoke(args=["smsgate", "suppressions", "export", "--brand", "Nope"])
    assert unknown.exit_code == 1 and "no brand named 'Nope'" in unknown.output


def test_suppressions_refuse_the_wrong_key_brand_or_query(client, brand, post_signed):
    opted_out_world(brand, post_signed)
    assert client.get(PATH, query_string={"brand": "Acme"}).status_code == 401
    other = client.get(PATH, query_string={"brand": "Acme"},
                       headers=key_header("marketer", "Bolt"))
    assert (other.status_code, other.get_json()["error"]["code"]) == (403, "wrong_brand")
    assert client.get(PATH, query_string={"brand": "Nope"},
                      headers=key_header("auditor")).status_code == 404
    for query in ({}, {"brand": ""}, {"brand": ["Acme", "Bolt"]}, {"brand": "x" * 65}):
        response = client.get(PATH, query_string=query, headers=key_header("auditor"))
        assert response.status_code == 422, query
        assert response.get_json()["error"]["code"] == "invalid_field"
