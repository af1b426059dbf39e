"""Proxy numbering and the `show stat <iid> <type> <sid>` filter. Automatic
proxy ids start at 2 (compared with HAProxy 2.6, where they agree). With
explicit ids, tollgate numbers as HAProxy 3.x does (the conformance test
proxy/proxy_id.vtc): the others take the free ids from 2 up, in
declaration order; 2.6 numbered every proxy by its position instead. Two
proxies given the same id are refused with the place of both."""
from conftest import ADMIN_GLOBAL, admin_cli, admin_ready, free_port, run_check, wait_until, HAPROXY

CFG = ADMIN_GLOBAL + """
defaults
    timeout connect 5s
    timeout client 5s
    timeout server 5s

listen fe1
    bind 127.0.0.1:%(p1)d
    server a 127.0.0.1:9
    server b 127.0.0.1:9

listen fe2
    bind 127.0.0.1:%(p2)d

frontend fe3
    bind 127.0.0.1:%(p3)d

backend be4
    server c 127.0.0.1:9
"""

QUERIES = ["show stat", "show stat 1 -1 -1", "show stat 2 -1 -1", "show stat 5 -1 -1",
           "show stat 2 4 -1", "show stat 2 4 2", "show stat 2 3 2", "show stat -1 2 -1",
           "show stat fe1 1 -1", "show stat 99 -1 -1"]


def rows(start, tmp_path, tag, cfg=CFG):
    sock = str(tmp_path / ("%s.sock" % tag))
    start(cfg % {"sock": sock, "p1": free_port(), "p2": free_port(), "p3": free_port()})
    wait_until(lambda: admin_ready(sock), what="admin socket")
    out = {}
    for q in QUERIES:
        lines = admin_cli(sock, q).splitlines()
        out[q] = [",".join(l.split(",")[i] for i in (0, 1, 27, 28)) for l in lines[1:] if l]
    return out


def test_ids_and_show_stat_filter_match_haproxy(tollgate, haproxy, tmp_path):
    got = rows(tollgate, tmp_path, "t")
    want = rows(haproxy, tmp_path, "h")
    assert got == want
    assert got["show stat 2 -1 -1"][0] == "fe1,FRONTEND,2,0"
    assert got["show stat 5 -1 -1"] == ["be4,c,5,1", "be4,BACKEND,5,0"]
    assert got["show stat 2 3 2"] == ["fe1,FRONTEND,2,0", "fe1,BACKEND,2,0"]
    assert got["show stat 1 -1 -1"] == []


def test_explicit_ids_numbered_as_haproxy_3(tollgate, tmp_path):
    cfg = CFG.replace("    server a 127.0.0.1:9\n", "    server a 127.0.0.1:9 id 7\n")
    cfg = cfg.replace("listen fe2\n", "listen fe2\n    id 1\n").replace("frontend fe3\n", "frontend fe3\n    id 3\n")
    got = rows(tollgate, tmp_path, "t", cfg)
    assert [r for r in got["show stat"] if "FRONTEND" in r or "BACKEND" in r] == [
        "fe1,FRONTEND,2,0", "fe1,BACKEND,2,0", "fe2,FRONTEND,1,0", "fe2,BACKEND,1,0",
        "fe3,FRONTEND,3,0", "be4,BACKEND,4,0"]
    assert got["show stat 2 4 -1"] == ["fe1,a,2,7", "fe1,b,2,1"]


def test_duplicate_proxy_id_refused(tmp_path):
    rc, out, path = run_check("""
listen a
    id 5
    bind 127.0.0.1:8001
listen b
    id 5
    bind 127.0.0.1:8002
""", tmp_path)
    assert rc != 0
    assert "listen 'b' has the same ID '5' as listen 'a' (declared at %s:2)" % path in out, out
    assert "%s:5" % path in out, out
    rc, out, _ = run_check(open(path).read(), tmp_path, binary=HAPROXY)
    assert rc != 0   # HAProxy refuses it too
