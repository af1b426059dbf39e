"""`sc-add-gpc(<idx>,<sc-id>) <int|expr>` (HAProxy 2.9+, not 2.6): adds
the value to that general purpose counter of the tracked entry (and its
rate); a value out of unsigned 32 bits adds nothing. doc/configuration.md,
"tcp-request actions"."""
import http.client

import pytest

from conftest import free_port, run_check

CFG = """
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d
    stick-table type string size 10 store gpc(3),gpc_rate(3,10s)
    tcp-request content track-sc1 str(conn)
    tcp-request content sc-add-gpc(0,1) 2
    http-request track-sc0 req.hdr(x-k)
    http-request sc-add-gpc(1,0) req.hdr(x-n) if { req.hdr(x-n) -m found }
    http-request return status 200 content-type text/plain lf-string "%%[sc_get_gpc(1,0)] %%[sc_gpc_rate(1,0)] %%[sc_get_gpc(0,1)]"
"""


def get(conn, **hdrs):
    conn.request("GET", "/", headers={k.replace("_", "-"): v for k, v in hdrs.items()})
    return conn.getresponse().read().decode()


def test_adds_the_value(tollgate):
    port = free_port()
    tollgate(CFG % port, port=port)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    assert get(conn, x_k="a", x_n="5") == "5 5 2"
    assert get(conn, x_k="a", x_n="7") == "12 12 4"   # content rules run for each request
    assert get(conn, x_k="a", x_n="-3") == "12 12 6"  # not an unsigned 32-bit value
    assert get(conn, x_k="a", x_n="4294967296") == "12 12 8"
    assert get(conn, x_k="b") == "0 0 10"
    conn.close()


@pytest.mark.parametrize("action,msg", [
    ("sc-add-gpc(1)", "expected sc-add-gpc(<idx>,<sc-id>)"),
    ("sc-add-gpc(1,0)", "expects an integer or a sample expression"),
    ("sc-add-gpc(1,9) 1", "out of range"),
])
def test_bad_forms_are_refused(action, msg, tmp_path):
    rc, out, _ = run_check("defaults\n    mode http\nfrontend fe\n    bind 127.0.0.1:%d\n"
                           "    stick-table type ip size 1 store gpc(2)\n    http-request %s\n"
                           % (free_port(), action), tmp_path)
    assert rc != 0 and ":6]" in out and msg in out, out
