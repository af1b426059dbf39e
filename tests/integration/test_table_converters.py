"""Every table_* converter, seen from outside: a frontend tracks a request
header's value in stick tables, counts on them with sc-inc-gpc*/sc-set-gpt*,
and copies each table_<m>(<table>) of that key into a response header.
Where a table stores the arrays (gpc(N), gpt(N)) and not the legacy
gpc0/gpc1/gpt0, those use the arrays' first elements, as in HAProxy.
Tollgate and HAProxy 2.6 run the same configuration and must agree on the
converters 2.6 has; the newer ones (table_glitch_*, table_inc_gpc*,
table_clr_gpc*) are checked against HAProxy 3.x's documented behaviour.
"""
from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until
from httpbackend import get

# t1 stores the legacy counters, t2 the arrays (HAProxy refuses both in
# one table)
TABLES = """
backend t1
    stick-table type string size 100 expire 30s store conn_cnt,conn_cur,conn_rate(10s),sess_cnt,sess_rate(10s),http_req_cnt,http_req_rate(10s),http_err_cnt,http_err_rate(10s),http_fail_cnt,http_fail_rate(10s),bytes_in_cnt,bytes_out_cnt,gpc0,gpc0_rate(10s),gpc1,gpc1_rate(10s),gpt0,server_id
backend t2
    stick-table type string size 100 expire 30s store gpc(3),gpc_rate(3,10s),gpt(2)
"""

# converters HAProxy 2.6 has: response header -> expression on txn.k
COMMON = {
    "conn-cnt": "table_conn_cnt(t1)",
    "conn-cur": "table_conn_cur(t1)",
    "conn-rate": "table_conn_rate(t1)",
    "sess-cnt": "table_sess_cnt(t1)",
    "sess-rate": "table_sess_rate(t1)",
    "req-cnt": "table_http_req_cnt(t1)",
    "req-rate": "table_http_req_rate(t1)",
    "err-cnt": "table_http_err_cnt(t1)",
    "err-rate": "table_http_err_rate(t1)",
    "fail-cnt": "table_http_fail_cnt(t1)",
    "fail-rate": "table_http_fail_rate(t1)",
    "kin": "table_kbytes_in(t1)",
    "kout": "table_kbytes_out(t1)",
    "gpc0": "table_gpc0(t1)",
    "gpc0-rate": "table_gpc0_rate(t1)",
    "gpc1": "table_gpc1(t1)",
    "gpc1-rate": "table_gpc1_rate(t1)",
    "gpt0": "table_gpt0(t1)",
    "trackers": "table_trackers(t1)",
    "server-id": "table_server_id(t1)",
    "gpc-2": "table_gpc(2,t2)",
    "gpc-rate-2": "table_gpc_rate(2,t2)",
    "gpt-1": "table_gpt(1,t2)",
    # t2 has no gpc0/gpt0: the legacy counters use gpc[0] and gpt[0]
    "gpc0-arr": "table_gpc0(t2)",
    "gpc-0": "table_gpc(0,t2)",
    "gpt0-arr": "table_gpt0(t2)",
    "absent": "table_http_req_cnt(t2)",   # a type t2 does not store: no sample
}


def frontend(port, extra):
    return """
frontend fe
    bind 127.0.0.1:%d
    http-request set-var(txn.k) req.hdr(x-k)
    http-request track-sc0 var(txn.k) table t1
    http-request track-sc1 var(txn.k) table t2
    http-request sc-inc-gpc0(0)
    http-request sc-inc-gpc1(0) if { req.hdr(x-two) -m found }
    http-request sc-inc-gpc1(0) if { req.hdr(x-two) -m found }
    http-request sc-set-gpt0(0) 7
    http-request sc-inc-gpc0(1)
    http-request sc-set-gpt0(1) 9
    http-request sc-inc-gpc(2,1)
    http-request sc-set-gpt(1,1) 42
    use_backend be
%s
""" % (port, extra)


def headers(port, k, **kw):
    st, _, hl, _ = get(port, headers=[("x-k", k)] + kw.pop("extra", []), **kw)
    return st, dict((n.lower(), v) for n, v in hl)


def test_table_converters_agree_with_haproxy(tollgate, haproxy, http_backend, tmp_path):
    rules = "\n".join('    http-response set-header x-%s "%%[var(txn.k),%s]"' % (h, e)
                      for h, e in COMMON.items())
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name, lambda req: (404 if req.path == "/missing" else 200, [], b"ok\n"))
        port = free_port()
        sock = str(tmp_path / (name + ".sock"))
        start(ADMIN_GLOBAL % dict(sock=sock) + HTTP_DEFAULTS + frontend(port, rules) + TABLES +
              "backend be\n    stick on var(txn.k) table t1\n    server s1 127.0.0.1:%d id 3\n" % b.port,
              port=port)
        wait_until(lambda: admin_ready(sock), 10, name + "'s admin socket")
        headers(port, "a", path="/missing")
        # the first connection's trackers are released when the proxy has
        # seen it close, which may come after the client's next connect
        wait_until(lambda: "conn_cur=0" in admin_cli(sock, "show table t1"), 10,
                   name + " to release the first connection")
        st, hd = headers(port, "a", extra=[("x-two", "1")])
        assert st == 200
        seen[name] = {h: hd.get("x-" + h) for h in COMMON}
    t = seen["tollgate"]
    # what the rules did, whatever HAProxy says
    assert (t["req-cnt"], t["err-cnt"], t["gpc0"], t["gpc1"], t["gpt0"]) == ("2", "1", "2", "2", "7"), t
    assert (t["gpc-2"], t["gpt-1"], t["server-id"], t["absent"]) == ("2", "42", "3", ""), t
    assert (t["gpc0-arr"], t["gpc-0"], t["gpt0-arr"]) == ("2", "2", "9"), t
    assert t == seen["haproxy"]


def test_table_inc_clr_and_glitch_converters(tollgate, http_backend):
    """table_inc_gpc*/table_clr_gpc* (HAProxy 2.9+) change the key's entry,
    creating it when absent: inc returns the new value, clr the old one;
    table_glitch_* read 0 for a plain HTTP/1 client."""
    b = http_backend("a")
    port = free_port()
    tables = TABLES.replace("gpt0,server_id", "gpt0,server_id,glitch_cnt,glitch_rate(10s)")
    tollgate(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request set-var(txn.k) req.hdr(x-k)
    http-response set-header x-inc "%%[var(txn.k),table_inc_gpc0(t1)] %%[var(txn.k),table_inc_gpc0(t1)] %%[var(txn.k),table_inc_gpc1(t1)] %%[var(txn.k),table_inc_gpc(1,t2)] %%[var(txn.k),table_inc_gpc(1,t2)]"
    http-response set-header x-clr "%%[var(txn.k),table_clr_gpc0(t1)] %%[var(txn.k),table_clr_gpc1(t1)] %%[var(txn.k),table_clr_gpc(1,t2)] %%[var(txn.k),table_gpc0(t1)] %%[var(txn.k),table_gpc(1,t2)]"
    http-response set-header x-glitch "%%[var(txn.k),table_glitch_cnt(t1)] %%[var(txn.k),table_glitch_rate(t1)]"
    http-response set-header x-in "%%[str(never),in_table(t1)] %%[str(never),table_inc_gpc0(t1)] %%[str(never),in_table(t1)]"
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, b.port) + tables, port=port)
    st, hd = headers(port, "new")
    assert st == 200
    # header rules run in order: inc (absent key: created, 1, then 2), clr
    assert hd["x-inc"] == "1 2 1 1 2", hd
    assert hd["x-clr"] == "2 1 2 0 0", hd
    assert hd["x-glitch"] == "0 0", hd
    assert hd["x-in"] == "0 1 1", hd
    st, hd = headers(port, "new")
    assert hd["x-inc"] == "1 2 1 1 2", hd    # cleared by the previous response
