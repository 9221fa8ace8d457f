"""The fast CSV renderer writes exactly what the reference path (format_row + csv) writes."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from smsgate.audit.cells import format_row
from smsgate.audit.fastcsv import render_rows

# Text biased towards what matters: separators, quotes, line breaks, formula prefixes.
TRICKY = st.text(alphabet=st.sampled_from(list(',"\r\n=+-@\t\'\\ {}:aZ09é') + ["\u2028"]),
                 max_size=12)
TEXT = st.one_of(TRICKY, st.text(max_size=20))
MAYBE = st.one_of(st.none(), TEXT)
ODD_NUMBERS = ["+0123", "+1", "+١٢٣٤٥", "+1234567890123456", "+15551234567\n"]
NUMBER = st.one_of(st.from_regex(r"\+[1-9][0-9]{1,14}", fullmatch=True), MAYBE,
                   st.sampled_from(ODD_NUMBERS))
KEYS = ["consent_text", "url", "ip", "user_agent", "ua", "form", "to", "terms", "remote_addr"]
EVIDENCE = st.one_of(
    MAYBE,
    st.dictionaries(st.sampled_from(KEYS), st.one_of(st.none(), TEXT, st.integers(),
                                                      st.lists(TEXT, max_size=2)),
                    max_size=4).map(lambda d: __import__("json").dumps(
                        d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)),
    st.sampled_from(['{"to":"+14155550100"}', '{}', '{"url" : "=x"}', '{"\\u0075rl":"x"}',
                     '[1,2]', '{"a":{"url":"nested"}}', '"url":', 'not json', '-{}']),
)
ROW = st.tuples(TEXT, TEXT, NUMBER, TEXT, TEXT, TEXT, TEXT, TEXT, MAYBE, MAYBE, MAYBE,
                EVIDENCE, MAYBE, TEXT, TEXT)


def reference(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(format_row(row) for row in rows)
    return buffer.getvalue()


@settings(max_examples=2000, deadline=None)
@given(st.lists(ROW, max_size=4))
def test_fast_renderer_matches_the_csv_module_byte_for_byte(rows):
    assert render_rows(rows) == reference(rows)


def test_ordinary_rows_take_the_fast_path_and_match():
    row = ("7", "2026-01-05T10:00:00.000000+00:00", "+14155550123", "Acme", "1", "brand",
           "opt_out", "sms", "STOP", "Stop please", "SM" + "a" * 32,
           '{"opt_out_type":"STOP","to":"+14155550100"}', None, "a" * 64, "b" * 64)
    assert render_rows([row]) == reference([row]) == (
        "7,2026-01-05T10:00:00.000000+00:00,+14155550123,Acme,1,brand,opt_out,sms,STOP,"
        'Stop please,SM' + "a" * 32 + ',,,,,"{""opt_out_type"":""STOP"",""to"":'
        '""+14155550100""}",,' + "a" * 64 + "," + "b" * 64 + "\r\n")
