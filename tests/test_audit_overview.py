"""The audit page's overview: per-day counts grouped in SQL (UTC days, 90 of them, brand
scoping), the chart's geometry, the checkpoint verdict, and recent opt-outs with masked
numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from audit_support import add_brand, append_at, issue, record, rewrite_from
from sqlalchemy import event, text

from smsgate.audit import chart, overview
from smsgate.audit.overview import DayCount
from smsgate.consent import checkpoints, ledger
from smsgate.extensions import db
from smsgate.models import utcnow

pytest_plugins = ["audit_fixtures"]  # fixtures: clock, store

N1, N2, N3 = "+14155550123", "+14155550124", "+14155550125"


def at(days_ago: int, clock_time: str = "12:00:00") -> str:
    """An ISO time `days_ago` UTC days before today."""
    day = utcnow().date() - timedelta(days=days_ago)
    return f"{day.isoformat()}T{clock_time}+00:00"


def day(days_ago: int) -> date:
    return utcnow().date() - timedelta(days=days_ago)


@pytest.fixture
def recent_ledger(clock, brand):
    """Acme and Bolt over the last 100 days: api opt-ins, sms opt-outs, a STOPALL via Bolt."""
    bolt = add_brand("Bolt", "+14155550101")
    append_at(clock, at(100), record(N1, brand.id))  # outside the window
    append_at(clock, at(89, "00:00:00"), record(N1, brand.id), record(N2, brand.id))
    append_at(clock, at(3, "23:59:59.999999"), record(N3, brand.id, "opt_in", "import"))
    append_at(clock, at(2, "00:00:00"),
              record(N1, brand.id, "opt_out", "sms", keyword="STOP", raw_text="STOP"))
    append_at(clock, at(1), record(N2, bolt.id))
    append_at(clock, at(0, "08:00:00"),
              record(N2, bolt.id, "opt_out", "sms", scope="all", keyword="STOPALL"),
              record(N3, brand.id, "opt_out", "provider"))
    return brand, bolt


def sign_in(client, role: str = "auditor", brand: str | None = None) -> None:
    response = client.post("/audit/session", data={"key": issue(role, brand)})
    assert response.status_code == 303


def test_counts_are_grouped_per_utc_day_brand_source_and_action(recent_ledger):
    counts = overview.daily_counts(db.session, None, utcnow().date())
    assert sorted(counts, key=lambda c: (c.day, c.brand, c.source, c.action)) == [
        DayCount(day(89), "Acme", "api", "opt_in", 2),  # the window's first day, from 00:00
        DayCount(day(3), "Acme", "import", "opt_in", 1),  # the last microsecond of its day
        DayCount(day(2), "Acme", "sms", "opt_out", 1),  # the first microsecond of the next
        DayCount(day(1), "Bolt", "api", "opt_in", 1),
        DayCount(day(0), "Acme", "provider", "opt_out", 1),
        DayCount(day(0), "Bolt", "sms", "opt_out", 1),
    ]


def test_a_brand_scoped_key_counts_its_own_entries_and_every_stopall(recent_ledger):
    acme, _ = recent_ledger
    counts = overview.daily_counts(db.session, acme.id, utcnow().date())
    assert {(c.day, c.brand, c.source, c.action, c.count) for c in counts} == {
        (day(89), "Acme", "api", "opt_in", 2), (day(3), "Acme", "import", "opt_in", 1),
        (day(2), "Acme", "sms", "opt_out", 1), (day(0), "Acme", "provider", "opt_out", 1),
        (day(0), "Acme", "sms", "opt_out", 1)}  # Bolt's STOPALL applies to Acme too


def test_the_counts_are_one_grouped_statement_not_rows_read_into_python(recent_ledger):
    statements = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        overview.daily_counts(db.session, None, utcnow().date())
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    ledger_reads = [statement for statement in statements if "ledger_entries" in statement]
    assert len(ledger_reads) == 1 and "GROUP BY" in ledger_reads[0]
    assert "recorded_at >=" in ledger_reads[0]  # a range the recorded_at index serves
    assert "JOIN" not in ledger_reads[0]  # brand names are looked up apart


def test_recent_opt_outs_are_newest_first_with_numbers_masked(recent_ledger):
    acme, _ = recent_ledger
    rows = overview.recent_opt_outs(db.session, None)
    assert [(r.masked_number, r.brand, r.all_brands, r.source) for r in rows] == [
        ("+1415***0125", "Acme", False, "provider"), ("+1415***0124", "Bolt", True, "sms"),
        ("+1415***0123", "Acme", False, "sms")]
    assert len(overview.recent_opt_outs(db.session, acme.id, limit=2)) == 2


# --- the chart -----------------------------------------------------------------------------------

def test_chart_bars_stack_by_source_above_for_opt_ins_and_below_for_opt_outs():
    today = date(2026, 3, 31)
    counts = [DayCount(today, "Acme", "api", "opt_in", 2), DayCount(today, "Acme", "sms",
                                                                    "opt_in", 2),
              DayCount(today - timedelta(days=89), "Acme", "sms", "opt_out", 1)]
    drawn = chart.build(counts, today)
    panel, = drawn.panels
    assert panel.scale == 4 and panel.totals == {"opt_in": {"api": 2, "sms": 2},
                                                 "opt_out": {"sms": 1}}
    sms, api = [bar for bar in panel.bars if bar.action == "opt_in"]
    assert (sms.source, api.source) == ("sms", "api")  # stacked in legend order
    # Together the day's opt-ins reach a full half-height: sms on the baseline, api on it.
    assert sms.height == api.height == chart.HALF_HEIGHT / 2
    assert sms.y + sms.height == panel.baseline and api.y + api.height == sms.y
    assert api.y == panel.baseline - chart.HALF_HEIGHT
    out, = [bar for bar in panel.bars if bar.action == "opt_out"]
    assert out.y == panel.baseline and out.height == chart.HALF_HEIGHT / 4
    assert out.x == chart.LEFT + 1  # the window's first day
    assert api.x == chart.LEFT + 89 * chart.DAY_WIDTH + 1  # its last
    assert api.color != sms.color
    assert "2026-03-31 · Acme · opt-in · api: 2" in {bar.title for bar in panel.bars}


def test_chart_has_a_panel_per_brand_and_nothing_for_no_changes():
    today = date(2026, 3, 31)
    drawn = chart.build([DayCount(today, "Bolt", "sms", "opt_out", 1),
                         DayCount(today, "Acme", "api", "opt_in", 3)], today)
    assert [(panel.brand, panel.top) for panel in drawn.panels] == [
        ("Acme", 0), ("Bolt", chart.PANEL_HEIGHT)]
    assert drawn.height == 2 * chart.PANEL_HEIGHT
    assert drawn.legend == [("sms", chart.COLORS["sms"]), ("api", chart.COLORS["api"])]
    assert chart.build([], today).panels == []


# --- the page ------------------------------------------------------------------------------------

def test_the_page_draws_the_chart_totals_and_masked_recent_opt_outs(recent_ledger, client,
                                                                    store):
    sign_in(client)
    html = client.get("/audit").get_data(as_text=True)
    assert '<svg id="chart"' in html
    assert html.count('<rect class="bar ') == 6  # one per day, brand, source and action
    assert f"{day(89).isoformat()} · Acme · opt-in · api: 2" in html
    assert "<td>Acme</td> <td>3 (api 2, import 1)</td> <td>2 (provider 1, sms 1)</td>" \
        in " ".join(html.split())  # the totals row, white space collapsed
    assert "+1415***0124" in html and N2 not in html  # recent opt-outs, masked
    assert "No checkpoint has been taken yet" in html


def test_a_scoped_auditor_sees_only_its_brand(recent_ledger, client, store):
    sign_in(client, brand="Acme")
    html = client.get("/audit").get_data(as_text=True)
    assert 'data-brand="Acme"' in html and 'data-brand="Bolt"' not in html
    assert "Bolt (all brands)" in html  # the STOPALL that applies to Acme is listed


def test_the_page_says_whether_the_ledger_extends_the_latest_checkpoint(recent_ledger, client,
                                                                       store):
    sign_in(client)
    taken = checkpoints.take(db.session, store)
    db.session.rollback()
    html = client.get("/audit").get_data(as_text=True)
    assert "The ledger extends the checkpoint of 8 entries" in html
    assert "(signature verified)" in html
    assert taken.path.read_text(encoding="utf-8").split("\n")[2] in html  # the note itself
    rewrite_from(4, "rewritten")
    html = client.get("/audit").get_data(as_text=True)
    assert "The ledger does NOT extend" in html
    assert "entry 8 does not have the hash the checkpoint signed" in html


def test_a_checkpoint_is_shown_unverified_where_there_is_no_key(recent_ledger, client, store):
    sign_in(client)
    checkpoints.take(db.session, store)
    db.session.rollback()
    store.key_path.unlink()
    html = client.get("/audit").get_data(as_text=True)
    assert "signature not checked (no signing key on this machine)" in html
    assert not store.key_path.exists()  # the page never makes a key


def test_an_empty_window_says_so(clock, brand, client, store):
    append_at(clock, datetime(2020, 1, 1, tzinfo=UTC).isoformat(), record(N1, brand.id))
    sign_in(client)
    html = client.get("/audit").get_data(as_text=True)
    assert "No consent changes were recorded in the last 90 days." in html
    assert "No opt-outs recorded." in html


def test_far_behind_a_checkpoint_the_page_checks_its_entry_and_says_the_rest_was_not_walked(
        recent_ledger, client, store, monkeypatch):
    sign_in(client)
    checkpoints.take(db.session, store)  # of 8 entries
    db.session.rollback()
    acme, _ = recent_ledger
    ledger.append_many(db.session, [record(N1, acme.id) for _ in range(3)])
    db.session.commit()
    monkeypatch.setattr(checkpoints, "PAGE_WALK_LIMIT", 2)
    # A link broken after the checkpoint is not seen without the walk, and the page says so.
    db.session.execute(text("UPDATE ledger_entries SET prev_hash = :h WHERE id = 10"),
                       {"h": "a" * 64})
    db.session.commit()
    html = " ".join(client.get("/audit").get_data(as_text=True).split())
    assert "The ledger extends the checkpoint of 8 entries" in html
    assert "the links of the 3 entries since it were not followed" in html
    # A rewrite of what the checkpoint covers is still caught by its own last entry.
    rewrite_from(2, "rewritten")
    html = " ".join(client.get("/audit").get_data(as_text=True).split())
    assert "entry 8 does not have the hash the checkpoint signed" in html


def test_reviews_and_their_decisions_are_not_counted_as_consent_changes(clock, brand):
    append_at(clock, at(1), record(N1, brand.id),
              record(N1, brand.id, "review", "sms", keyword="model:lr1"),
              record(N1, brand.id, "opt_in", "review", keyword="review:not_opt_out"),
              record(N2, brand.id, "review", "sms", keyword="model:lr1"),
              record(N2, brand.id, "none", "review", keyword="review:not_opt_out"))
    counts = overview.daily_counts(db.session, None, utcnow().date())
    assert sorted((c.source, c.action, c.count) for c in counts) == [
        ("api", "opt_in", 1), ("review", "opt_in", 1)]
