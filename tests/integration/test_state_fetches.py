"""Fetches of the process, proxies and servers, and the converters that
look servers and backends up by name (HAProxy's §7.3.1 and §7.3.2), seen
from outside: a frontend copies each into a response header; Tollgate and
HAProxy 2.6 run the same configuration and must agree on those 2.6 has.
The newer ones are checked against HAProxy 3.x's documented values."""
import os

from conftest import free_port
from httpbackend import get

HEAD = """
global
    nbthread 1
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
"""

COMMON = {
    "env": "env(PATH)",
    "hostname": "hostname",
    "proc": "proc",
    "thread": "thread",
    "stopping": "stopping",
    "srv-is-up": "srv_is_up(be/s1)",
    "srv-is-up-maint": "srv_is_up(be/s2)",
    "iweight": "srv_iweight(be/s1)",
    "uweight": "srv_uweight(be/s1)",
    "weight": "srv_weight(be/s1)",
    "srv-queue": "srv_queue(be/s1)",
    "conn-free": "srv_conn_free(be/s1)",
    "conn-free-nolimit": "srv_conn_free(be/s2)",
    "queue": "queue(be)",
    "avg-queue": "avg_queue(be)",
    "defbe": "fe_defbe",
    "so-name": "so_name",
    "nbsrv-conv": "str(be),nbsrv",
    "srv-queue-conv": "str(be/s1),srv_queue",
    "add-item": "var(txn.e),add_item(-,txn.v,s)",
    "add-item-2": "str(ab),add_item(-,txn.v,s)",
    "add-item-3": "str(ab),add_item(-,txn.none)",
    "add-item-4": "str(ab),add_item(-,,sfx)",
    "cut-crlf": "var(txn.crlf),cut_crlf",
    "htonl": "int(258),htonl,hex",
    "capture-method": "capture.req.method",
    "capture-res-ver": "capture.res.ver",
    "cookie": "var(txn.cookie)",
    "hdr-names": "var(txn.hn)",
    "res-hdr-names": "res.hdr_names(;)",
}

NEWER = {
    "pid": "pid",
    "uptime": "uptime",
    "quic": "quic_enabled",
    "max-retries": "be_max_retries",
    "cur-retries": "cur_max_retries",
    "srv-is-up-conv": "str(be/s1),srv_is_up",
    "base2": "str(AB),base2",
    "ms-utime": "int(1700000000123),ms_utime(%Y-%m-%d %H:%M:%S.%3N)",
    "us-utime": "int(1700000000123456),us_utime(%H:%M:%S.%6N %N),lower",
    "txn-status": "txn.status",
    "set-cookie": "set-cookie(sc)",
}


def config(port, backend_port, exprs, tollgate):
    rules = "\n".join('    http-response set-header x-%s "%%[%s]"' % (h, e) for h, e in exprs.items())
    extra = "    http-request set-retries 2\n" if tollgate else ""
    return HEAD + """
frontend fe
    bind 127.0.0.1:%d name front1
    http-request set-var(txn.e) str()
    http-request set-var(txn.v) str(V)
    http-request set-var(txn.crlf) str(a),concat(,txn.v)
    http-request set-var(txn.cookie) cookie(a)
    http-request set-var(txn.hn) req.hdr_names
%s%s
    default_backend be
backend be
    retries 5
    server s1 127.0.0.1:%d weight 7 maxconn 10
    server s2 127.0.0.1:%d disabled
""" % (port, extra, rules, backend_port, backend_port)


def test_state_fetches_agree_with_haproxy(tollgate, haproxy, http_backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name, lambda req: (200, [("Set-Cookie", "sc=val; path=/")], b"ok\n"))
        port = free_port()
        start(config(port, b.port, COMMON, False), port=port)
        st, _, hl, _ = get(port, headers=[("Cookie", "a=1")])
        assert st == 200
        hd = dict((n.lower(), v) for n, v in hl)
        seen[name] = {h: hd.get("x-" + h) for h in COMMON}
    t = seen["tollgate"]
    assert t["env"] == os.environ["PATH"] and t["proc"] == "1" and t["thread"] == "0", t
    assert (t["srv-is-up"], t["srv-is-up-maint"], t["iweight"], t["uweight"]) == ("1", "0", "7", "7"), t
    assert (t["conn-free"], t["conn-free-nolimit"], t["defbe"], t["so-name"]) == ("9", "-1", "be", "front1"), t
    assert (t["add-item"], t["add-item-2"], t["add-item-3"], t["add-item-4"]) == ("Vs", "ab-Vs", "ab", "ab-sfx"), t
    assert (t["htonl"], t["cut-crlf"], t["cookie"]) == ("00000102", "aV", "1"), t
    assert t["hdr-names"].startswith("host,") and "cookie" in t["hdr-names"].split(","), t
    assert t["res-hdr-names"].startswith("set-cookie;content-length;x-env;x-hostname;"), t
    assert t == seen["haproxy"]


def test_newer_state_fetches_and_converters(tollgate, http_backend):
    b = http_backend("a", lambda req: (200, [("Set-Cookie", "sc=val; path=/")], b"ok\n"))
    port = free_port()
    t = tollgate(config(port, b.port, NEWER, True), port=port)
    st, _, hl, _ = get(port)
    hd = dict((n.lower(), v) for n, v in hl)
    assert hd["x-pid"] == str(t.proc.pid), hd
    assert 0 <= int(hd["x-uptime"]) < 60 and hd["x-quic"] == "0", hd
    assert (hd["x-max-retries"], hd["x-cur-retries"], hd["x-srv-is-up-conv"]) == ("5", "2", "1"), hd
    assert hd["x-base2"] == "0100000101000010", hd
    assert hd["x-ms-utime"] == "2023-11-14 22:13:20.123", hd
    assert hd["x-us-utime"] == "22:13:20.123456 123456000", hd
    assert (hd["x-txn-status"], hd["x-set-cookie"]) == ("200", "val"), hd
