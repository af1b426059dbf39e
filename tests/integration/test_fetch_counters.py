"""Rate and count fetches (fe_req_rate, fe_sess_rate, be_sess_rate,
dst_conn, be_conn_free, table_avl, table_cnt, src_updt_conn_cnt), compared
with HAProxy 2.6 on the same configuration; act_conn, sc_key, scN_key,
txn.conn_retries and txn.redispatched (newer than 2.6) on tollgate alone."""
from httpbackend import request

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    stick-table type ip size 100 store conn_cnt,http_req_cnt
    http-request track-sc0 src
    http-request set-var(txn.updt) src_updt_conn_cnt
    http-response set-header x-req-rate %%[fe_req_rate]
    http-response set-header x-sess-rate %%[fe_sess_rate]
    http-response set-header x-fe-named %%[fe_sess_rate(fe)]
    http-response set-header x-be-named %%[be_sess_rate(be)]
    http-response set-header x-dst %%[dst_conn]
    http-response set-header x-free %%[be_conn_free(be)]
    http-response set-header x-free-unl %%[be_conn_free(unl)]
    http-response set-header x-avl %%[table_avl]
    http-response set-header x-cnt %%[table_cnt]
    http-response set-header x-updt %%[var(txn.updt)]
    %(extra)s
    default_backend be

backend be
    server s1 127.0.0.1:%(b)d maxconn 10
    server s2 127.0.0.1:%(b)d maxconn 5
    server s3 127.0.0.1:%(b)d maxconn 7 backup

backend unl
    server s1 127.0.0.1:%(b)d
"""

NAMES = ("x-req-rate", "x-sess-rate", "x-fe-named", "x-be-named", "x-dst",
         "x-free", "x-free-unl", "x-avl", "x-cnt", "x-updt")


def fe_conns(sock):
    """The frontend fe's current connections (show stat's scur)."""
    for line in admin_cli(sock, "show stat").splitlines():
        f = line.split(",")
        if f[:2] == ["fe", "FRONTEND"]:
            return f[4]
    return None


def run(start, b, extra="", names=NAMES, sock=None):
    """Three requests on connections of their own; with an admin socket
    <sock>, each once the proxy has let the previous connection go (the
    fixture's readiness probe first): dst_conn and be_conn_free then count
    the request's own connection alone, however slowly the proxy closes."""
    port = free_port()
    cfg = CFG if sock is None else ADMIN_GLOBAL + CFG
    start(cfg % {"port": port, "b": b.port, "extra": extra, "sock": sock}, port=port)
    if sock is not None:
        wait_until(lambda: admin_ready(sock), 10, "the admin socket")
    out = []
    for _ in range(3):
        if sock is not None:
            wait_until(lambda: fe_conns(sock) == "0", 10, "fe's previous connection to close")
        _, hdrs, _, _ = request(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out.append(tuple(hdrs.get(n) for n in names))
    return out


def test_counter_fetches_match_haproxy(tollgate, haproxy, http_backend, tmp_path):
    b = http_backend("A")
    got = run(tollgate, b, sock=str(tmp_path / "t.sock"))
    want = run(haproxy, b, sock=str(tmp_path / "h.sock"))
    # HAProxy counts the fixture's readiness probe (a connection closed
    # without a request) in fe_req_rate: compare its growth
    for rows in (got, want):
        base = int(rows[0][0])
        rows[:] = [(str(int(r[0]) - base),) + r[1:] for r in rows]
    assert got == want
    # the values themselves: the probe's session counted too, one
    # connection, 15 free slots less the one in use, 100 entries less the
    # client's, conn_cnt counted by track-sc0 and src_updt_conn_cnt
    assert got[2] == ("2", "4", "4", "3", "1", "14", "-1", "99", "1", "6")


def test_sc_key_and_retries(tollgate, http_backend):
    b = http_backend("A")
    extra = """http-response set-header x-sckey %[sc_key(0)]
    http-response set-header x-retries %[txn.conn_retries]
    http-response set-header x-redisp %[txn.redispatched]
    http-response set-header x-act %[act_conn]
    http-response set-header x-key %[sc0_key]
    http-response set-header x-key1 %[sc1_key]"""
    got = run(tollgate, b, extra, ("x-sckey", "x-retries", "x-redisp", "x-act", "x-key", "x-key1"))
    assert got[0] == ("127.0.0.1", "0", "0", "1", "127.0.0.1", "")
