"""accept_date, request_date and the date converter (HAProxy 2.8+; 2.6 has
neither): the dates fall where the client saw them, in the shape of
HAProxy 2.6's date fetch read at the same place, and the HTTP dates of the
three formats decode as Python decodes them."""
import time
from email.utils import parsedate_to_datetime

from httpbackend import connect, read_response

from conftest import HTTP_DEFAULTS, free_port

RULES = {
    "tollgate": """
    http-request set-var(txn.acc) accept_date
    http-request set-var(txn.accms) accept_date(ms)
    http-request set-var(txn.req) request_date
    http-request set-var(txn.reqms) request_date(ms)
    http-request set-var(txn.requs) request_date(us)
    http-request set-var(txn.d1) req.fhdr(x-d1),date
    http-request set-var(txn.d2) req.fhdr(x-d2),date
    http-request set-var(txn.d3) req.fhdr(x-d3),date
    http-request set-var(txn.d4) req.fhdr(x-d4),date
    http-request set-var(txn.bad) req.fhdr(x-bad),date
    http-response set-header x-d1 %[var(txn.d1)]
    http-response set-header x-d2 %[var(txn.d2)]
    http-response set-header x-d3 %[var(txn.d3)]
    http-response set-header x-d4 %[var(txn.d4)]
    http-response set-header x-bad %[var(txn.bad)]
""",
    "haproxy": """
    http-request set-var(txn.acc) date
    http-request set-var(txn.accms) date(0,ms)
    http-request set-var(txn.req) date
    http-request set-var(txn.reqms) date(0,ms)
    http-request set-var(txn.requs) date(0,us)
""",
}

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
%(rules)s
    http-response set-header x-acc %%[var(txn.acc)]
    http-response set-header x-accms %%[var(txn.accms)]
    http-response set-header x-req %%[var(txn.req)]
    http-response set-header x-reqms %%[var(txn.reqms)]
    http-response set-header x-requs %%[var(txn.requs)]
    default_backend be

backend be
    server s1 127.0.0.1:%(b)d
"""

NAMES = ("x-acc", "x-accms", "x-req", "x-reqms", "x-requs")
REQ = (b"GET / HTTP/1.1\r\nHost: x\r\n"
       b"X-D1: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
       b"X-D2: Sunday, 06-Nov-94 08:49:37 GMT\r\n"
       b"X-D3: Sun Nov  6 08:49:37 1994\r\n"
       b"X-D4: Thu, 01 Jan 2037 00:00:00 GMT\r\n"
       b"X-Bad: 06 Nov 1994\r\n\r\n")


def run(start, b, which):
    """Two requests on one connection, each sent 200 ms after the
    connection is ready (open, or the previous response read); returns per
    request (client ms before sending, after the answer, the headers)."""
    port = free_port()
    start(CFG % {"port": port, "b": b.port, "rules": RULES[which]}, port=port)
    out = []
    with connect(port) as s:
        for _ in range(2):
            # not a wait for readiness (the connection is ready): this idle
            # time is the input the dates must show (request_date - accept_date)
            time.sleep(0.2)
            t0 = time.time() * 1000
            s.sendall(REQ)
            _, hdrs, _, _ = read_response(s)
            out.append((t0, time.time() * 1000, hdrs))
    return out


def check(out, idle=True):
    for t0, t1, h in out:
        acc, accms, req, reqms, requs = (int(h[n]) for n in NAMES)
        # shape: seconds, ms, us of the same instant
        assert len(str(acc)) == 10 and len(str(reqms)) == 13 and len(str(requs)) == 16
        assert abs(reqms - requs // 1000) <= 1 and abs(req - reqms // 1000) <= 1
        assert abs(acc - accms // 1000) <= 1
        # range: within the client's exchange (a few ms of clock grain)
        assert t0 - 20 <= reqms <= t1 + 20
        # the idle time lies between the two dates (%Ti)
        assert not idle or 150 <= reqms - accms <= t1 - t0 + 250


def test_dates_match_haproxy_shape(tollgate, haproxy, http_backend):
    b = http_backend("A")
    got = run(tollgate, b, "tollgate")
    want = run(haproxy, b, "haproxy")
    check(want, idle=False)   # 2.6: date, read at once
    check(got)
    # keep-alive: the second accept_date is the end of the first exchange
    # (HAProxy's reset), not the connection's accept
    assert int(got[1][2]["x-accms"]) >= int(got[0][2]["x-reqms"]) - 20
    h = got[0][2]
    want_d = int(parsedate_to_datetime("Sun, 06 Nov 1994 08:49:37 GMT").timestamp())
    assert (h["x-d1"], h["x-d2"], h["x-d3"]) == (str(want_d),) * 3
    assert h["x-d4"] == str(int(parsedate_to_datetime("Thu, 01 Jan 2037 00:00:00 GMT").timestamp()))
    assert h["x-bad"] == ""
