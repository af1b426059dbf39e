"""`show stat` cells as HAProxy fills them: maxima, rates, state history,
check counters, typed tags; a server-less backend is UP; `clear counters`.
Each test runs Debian's HAProxy 2.6 on the same configuration with the
same traffic and compares the cells both fill, through real sockets."""
import socket

from conftest import admin_cli, free_port, start_both, wait_until
from httpbackend import get

CFG = """
global
    nbthread 2
    stats socket %(sock)s level admin
    stats timeout 5s
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(bport)d
    server dead 127.0.0.1:%(dead)d check inter 100 fall 2 rise 2
backend tbl
    stick-table type ip size 10
"""


def rows(sock, args=""):
    out = admin_cli(sock, ("show stat " + args).strip())
    lines = out.splitlines()
    cols = lines[0][2:].split(",")
    return {(f[0], f[1]): dict(zip(cols, f)) for f in (l.split(",") for l in lines[1:] if l)}


def typed(sock):
    d = {}
    for line in admin_cli(sock, "show stat typed").splitlines():
        if line:
            head, tags, ty, val = line.split(":", 3)
            obj, iid, sid, pos, name, proc = head.split(".")
            d[(obj, int(iid), int(sid), name)] = (tags, ty, val)
    return d


def test_show_stat_cells_as_haproxy(tollgate, haproxy, tmp_path, http_backend):
    both = start_both(tollgate, haproxy, tmp_path, CFG, bport=http_backend("A").port, dead=free_port())
    for sock, port in both.values():
        # the dead server goes DOWN after its failed checks
        wait_until(lambda: rows(sock)[("be", "dead")]["status"] == "DOWN", 10, "dead DOWN")
        # two concurrent connections, then 5 requests; the maxima counted
        # from a quiet start (`clear counters` resets them)
        wait_until(lambda: rows(sock)[("fe", "FRONTEND")]["scur"] == "0", 5, "no session")
        assert admin_cli(sock, "clear counters") == "\n"
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        wait_until(lambda: rows(sock)[("fe", "FRONTEND")]["scur"] == "2", 5, "2 sessions")
        for c in held:
            c.close()
        wait_until(lambda: rows(sock)[("fe", "FRONTEND")]["scur"] == "0", 5, "sessions closed")
        for _ in range(5):
            assert get(port, "/")[0] == 200
            # each connection's close is seen before the next one comes, so
            # that a loaded machine does not overlap them (smax stays 2)
            wait_until(lambda: rows(sock)[("fe", "FRONTEND")]["scur"] == "0", 5, "the request's close")
    t, h = rows(both["tollgate"][0]), rows(both["haproxy"][0])
    for key in [("fe", "FRONTEND"), ("be", "s1"), ("be", "dead"), ("be", "BACKEND"), ("tbl", "BACKEND")]:
        # filled where HAProxy fills them (an empty cell stays empty)
        for c in ("smax", "rate_max", "conn_rate_max", "req_rate_max", "chkfail", "chkdown",
                  "lastchg", "downtime", "req_tot", "status", "check_health", "qmax", "rate_lim"):
            assert (t[key][c] == "") == (h[key][c] == ""), (key, c, t[key][c], h[key][c])
        # (a server's smax depends on when each side closes: compared
        # for the frontend only)
        for c in ("chkfail", "chkdown", "status", "check_health", "qmax") + (("smax",) if key[1] == "FRONTEND" else ()):
            assert t[key][c] == h[key][c], (key, c, t[key][c], h[key][c])
    # a backend with only a stick table is UP in both (was DOWN)
    assert t[("tbl", "BACKEND")]["status"] == "UP"
    assert t[("fe", "FRONTEND")]["smax"] == "2"
    assert int(t[("fe", "FRONTEND")]["rate_max"]) >= 7 and int(t[("fe", "FRONTEND")]["req_rate_max"]) >= 5
    assert int(t[("fe", "FRONTEND")]["conn_rate_max"]) >= 7
    assert int(t[("be", "s1")]["rate_max"]) >= 5 and int(t[("be", "BACKEND")]["rate_max"]) >= 5
    assert int(t[("be", "dead")]["chkfail"]) >= 1 and t[("be", "dead")]["chkdown"] == "1"
    assert int(t[("be", "dead")]["lastchg"]) <= 5 and int(t[("be", "dead")]["downtime"]) <= 5
    assert t[("be", "s1")]["lastchg"] != "" and t[("be", "s1")]["downtime"] == ""   # not checked
    # the rate itself falls back to 0 a second later
    wait_until(lambda: rows(both["tollgate"][0])[("fe", "FRONTEND")]["rate"] == "0", 5, "rate 0")


def test_show_stat_typed_tags_filter_and_clear(tollgate, haproxy, tmp_path, http_backend):
    both = start_both(tollgate, haproxy, tmp_path, CFG, bport=http_backend("A").port, dead=free_port())
    sock = both["tollgate"][0]
    for s, port in both.values():
        assert get(port, "/")[0] == 200
    t, h = typed(sock), typed(both["haproxy"][0])
    tiids = {k[1] for k in t}
    # HAProxy 3.x's tags: 2.6's plus P (shared counters) or V; where 3.x
    # changed the nature (generic counters), its own
    changed = {"rate": "MRP", "mode": "CGS"}
    seen = 0
    for (obj, iid, sid, name), (tags, ty, _) in t.items():
        hk = [k for k in h if k[0] == obj and k[3] == name and k[2] == sid]
        if not hk:
            continue
        htags, hty, _ = h[hk[0]]
        assert tags[:3] == changed.get(name, htags), (obj, name, tags, htags)
        assert tags[3] in "PV"
        seen += 1
    assert seen > 60
    assert t[("F", min(tiids), 0, "stot")][:2] == ("MCPP", "u64")
    assert t[("S", 3, 1, "act")][:2] == ("SGPV", "u32")
    assert t[("B", 3, 0, "act")][:2] == ("MGPV", "u32")
    # the filter: <iid> <type> <sid>, -1 for all
    be = rows(sock, "3 -1 -1")
    assert set(be) == {("be", "s1"), ("be", "dead"), ("be", "BACKEND")}
    assert set(rows(sock, "-1 4 -1")) == {("be", "s1"), ("be", "dead")}
    assert set(rows(sock, "3 4 2")) == {("be", "dead")}
    assert set(rows(sock, "be 2 -1")) == {("be", "BACKEND")}
    # clear counters: the maxima; all: the counters too
    assert rows(sock)[("fe", "FRONTEND")]["smax"] == "1"
    assert admin_cli(sock, "clear counters") == "\n"
    r = rows(sock)[("fe", "FRONTEND")]
    assert r["smax"] == "0" and r["stot"] != "0"
    assert admin_cli(sock, "clear counters all") == "\n"
    r = rows(sock)[("fe", "FRONTEND")]
    assert r["stot"] == "0" and r["req_tot"] == "0"


def test_time_averages_as_haproxy(tollgate, haproxy, tmp_path, http_backend):
    import time

    def slow(req):
        time.sleep(0.2)
        return 200, [("Content-Type", "text/plain")], b"slow"
    b = http_backend("A", slow)
    both = start_both(tollgate, haproxy, tmp_path, CFG, bport=b.port, dead=free_port())
    for sock, port in both.values():
        for _ in range(3):
            assert get(port, "/")[0] == 200
    t, h = rows(both["tollgate"][0]), rows(both["haproxy"][0])
    for key in [("be", "s1"), ("be", "BACKEND")]:
        for who, r in (("tollgate", t[key]), ("haproxy", h[key])):
            # the 200 ms the server takes to answer, in rtime and ttime
            assert 180 <= int(r["rtime"]) < 1000, (who, key, r["rtime"])
            assert int(r["ttime"]) >= int(r["rtime"]), (who, key)
            assert int(r["qtime"]) <= 5 and int(r["ctime"]) <= 50, (who, key)
        assert 180 <= int(t[key]["rtime_max"]) < 1000 and int(t[key]["ttime_max"]) >= 180
    # the server that never answered has no sample
    assert t[("be", "dead")]["rtime"] == "0" == h[("be", "dead")]["rtime"]
    # clear counters resets the maxima, not the averages
    sock = both["tollgate"][0]
    assert admin_cli(sock, "clear counters") == "\n"
    r = rows(sock)[("be", "s1")]
    assert r["rtime_max"] == "0" and int(r["rtime"]) >= 180
