"""Stick counters in mode http, compared with HAProxy on the same traffic:
who owns a tracked counter. An http-request track-sc belongs to the
transaction and is released at its end, so every request of a keep-alive
connection tracks its own key; a tcp-request connection track-sc belongs to
the connection and counts all its requests."""
import socket

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, free_port, wait_until
from httpbackend import admin_cli, admin_ready, build, connect, read_response, table_entries

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    stick-table type string len 32 size 1k expire 60s store http_req_cnt,http_req_rate(10s),conn_cnt,conn_cur,sess_cnt
    http-request track-sc0 req.hdr(X-Api-Key)
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 3 }
    default_backend be
frontend fe_src
    bind 127.0.0.1:%(port2)d
    stick-table type ip size 1k expire 60s store http_req_cnt,conn_cnt,conn_cur,sess_cnt
    tcp-request connection track-sc1 src
    http-request track-sc0 req.hdr(X-Api-Key) table fe
    http-request set-header X-Src-Cnt %%[sc1_http_req_cnt]
    http-request set-header X-Key-Cnt %%[sc0_http_req_cnt]
    default_backend be
backend be
    server a 127.0.0.1:%(srv)d
"""


def echo_counts(req):
    """The backend's answer: the counters the proxy wrote in the request."""
    return 200, [("X-Seen-Src", req.header("X-Src-Cnt") or "-"),
                 ("X-Seen-Key", req.header("X-Key-Cnt") or "-")], b"ok"


def run_conversations(port, conversations):
    """Sends each conversation (a list of X-Api-Key values) as requests on
    one keep-alive connection; when the proxy closes it (after a deny), the
    rest goes on a new one. Returns the (status, X-Seen-Src, X-Seen-Key)
    of every request, in order."""
    out = []
    for keys in conversations:
        s = connect(port)
        for key in keys:
            req = build("/", [("X-Api-Key", key)])
            for attempt in range(2):
                try:
                    s.sendall(req)
                    st, h, _, _ = read_response(s)
                    break
                except (EOFError, ConnectionResetError, BrokenPipeError):
                    # closed after the previous answer: the request was
                    # never read, send it again on a new connection
                    assert attempt == 0, "no answer to %r on a fresh connection" % key
                    s.close()
                    s = connect(port)
            out.append((st, h.get("x-seen-src"), h.get("x-seen-key")))
        s.close()
    return out


def entries(sock, table):
    """{key: entry dict} of <table>."""
    return {e["key"]: e for e in table_entries(admin_cli(sock, "show table %s" % table))}


def settled(sock, table, fields):
    """The entries of <table> once no connection holds any (conn_cur 0 and
    use 0 everywhere), reduced to <fields>."""
    got = {}

    def idle():
        got["e"] = entries(sock, table)
        return all(e.get("use") == "0" and e.get("conn_cur") == "0" for e in got["e"].values())

    wait_until(idle, 5, "table %s to settle: %r" % (table, got.get("e")))
    return {k: {f: e.get(f) for f in fields} for k, e in got["e"].items()}


def start_both(tollgate, haproxy, http_backend, tmp_path):
    """The same configuration in tollgate and in HAProxy; returns
    [(name, port, port2, admin socket)] for each."""
    srv = http_backend("A", echo_counts).port
    out = []
    for name, fixture in (("tollgate", tollgate), ("haproxy", haproxy)):
        port, port2 = free_port(), free_port()
        sock = str(tmp_path / ("%s.sock" % name))
        # no probe connection: it would be counted in fe_src
        fixture(CFG % {"sock": sock, "port": port, "port2": port2, "srv": srv}, name="%s.cfg" % name)
        wait_until(lambda: admin_ready(sock), 10, "%s's admin socket" % name)
        out.append((name, port, port2, sock))
    return out


def test_each_request_of_a_keepalive_connection_tracks_its_own_key(tollgate, haproxy, http_backend, tmp_path):
    procs = start_both(tollgate, haproxy, http_backend, tmp_path)
    traffic = [["decoy"] + ["victim"] * 20] + [["decoy%d" % i] + ["victim2"] * 3 for i in range(10)]
    statuses = {}
    tables = {}
    for name, port, _, sock in procs:
        statuses[name] = [st for st, _, _ in run_conversations(port, traffic)]
        tables[name] = settled(sock, "fe", ("http_req_cnt", "conn_cnt", "conn_cur", "use"))
    # a key counted on another key's connection would be limited late or
    # never: each victim is limited after its own 3 requests
    assert statuses["tollgate"][:21] == [200] * 4 + [429] * 17, statuses["tollgate"]
    victim2 = [st for (st, key) in zip(statuses["tollgate"][21:],
                                        [k for conv in traffic[1:] for k in conv]) if key == "victim2"]
    assert victim2 == [200] * 3 + [429] * 27, statuses["tollgate"]
    assert statuses["tollgate"] == statuses["haproxy"]
    assert tables["tollgate"]["decoy"]["http_req_cnt"] == "1"
    assert tables["tollgate"]["victim"]["http_req_cnt"] == "20"
    assert tables["tollgate"]["victim2"]["http_req_cnt"] == "30"
    assert tables["tollgate"] == tables["haproxy"]


def test_session_counter_sees_every_request_transaction_counter_its_own(tollgate, haproxy, http_backend, tmp_path):
    procs = start_both(tollgate, haproxy, http_backend, tmp_path)
    traffic = [["a", "b", "a", "c", "a"], ["b", "b"]]
    seen = {}
    srcs = {}
    for name, _, port2, sock in procs:
        seen[name] = run_conversations(port2, traffic)
        srcs[name] = settled(sock, "fe_src", ("http_req_cnt", "conn_cnt", "sess_cnt", "conn_cur"))
    # sc1 (the connection's, tracked by src) sees the connection's
    # requests so far; sc0 (the transaction's) the key's own count
    assert seen["tollgate"] == [(200, "1", "1"), (200, "2", "1"), (200, "3", "2"), (200, "4", "1"),
                                (200, "5", "3"), (200, "6", "2"), (200, "7", "3")], seen["tollgate"]
    assert seen["tollgate"] == seen["haproxy"]
    assert srcs["tollgate"] == {"127.0.0.1": {"http_req_cnt": "7", "conn_cnt": "2", "sess_cnt": "2",
                                              "conn_cur": "0"}}
    assert srcs["tollgate"] == srcs["haproxy"]
    # conn_cnt counts a tracking per transaction on the per-key entries,
    # and no session is counted on them
    keys = {name: settled(sock, "fe", ("http_req_cnt", "conn_cnt", "sess_cnt")) for name, _, _, sock in procs}
    assert keys["tollgate"]["b"] == {"http_req_cnt": "3", "conn_cnt": "3", "sess_cnt": "0"}
    assert keys["tollgate"] == keys["haproxy"]
