"""Stick rules in mode http: persistence on a request header (stick on),
on a value the server gave in a response header (stick store-response +
stick match), over keep-alive and new connections, with the same
configuration and traffic run through HAProxy."""
from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, HAPROXY, free_port, run_check, wait_until
from httpbackend import admin_cli, admin_ready, build, connect, read_response, table_entries

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    use_backend by_sess if { req.hdr(X-Sess) -m found } || { path_beg /login }
    default_backend by_key
backend by_key
    balance roundrobin
    stick-table type string len 32 size 1k expire 60s store server_id
    stick on req.hdr(X-Key)
    server a 127.0.0.1:%(a)d
    server b 127.0.0.1:%(b)d
backend by_sess
    balance roundrobin
    stick-table type string len 32 size 1k expire 60s store server_id
    stick match req.hdr(X-Sess)
    stick store-response res.hdr(X-Sess)
    server a 127.0.0.1:%(a)d
    server b 127.0.0.1:%(b)d
"""


def tagged(tag):
    """A backend answering its tag, and a session id on /login."""
    n = [0]

    def handler(req):
        hdrs = []
        if req.path.startswith("/login"):
            n[0] += 1
            hdrs.append(("X-Sess", "%s-%d" % (tag, n[0])))
        return 200, hdrs, tag.encode()
    return handler


def send(port, conversations):
    """Each conversation, a list of (path, [(header, value)]), on one
    keep-alive connection; returns [(request, server tag, X-Sess)]."""
    out = []
    for conv in conversations:
        with connect(port) as s:
            for path, hdrs in conv:
                s.sendall(build(path, hdrs))
                st, h, _, body = read_response(s)
                assert st == 200, (path, hdrs, st)
                out.append(((path, tuple(hdrs)), body.decode(), h.get("x-sess")))
    return out


def start_both(tollgate, haproxy, http_backend, tmp_path):
    a = http_backend("A", tagged("A")).port
    b = http_backend("B", tagged("B")).port
    out = []
    for name, fixture in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        sock = str(tmp_path / ("%s.sock" % name))
        fixture(CFG % {"sock": sock, "port": port, "a": a, "b": b}, port=port, name="%s.cfg" % name)
        wait_until(lambda: admin_ready(sock), 10, "%s's admin socket" % name)
        out.append((name, port, sock))
    return out


def servers_by_key(results):
    """{X-Key value: set of server tags that answered it}."""
    by = {}
    for (path, hdrs), tag, _ in results:
        for n, v in hdrs:
            if n == "X-Key":
                by.setdefault(v, set()).add(tag)
    return by


def test_stick_on_request_header_persists_over_keepalive_and_new_connections(tollgate, haproxy, http_backend,
                                                                              tmp_path):
    procs = start_both(tollgate, haproxy, http_backend, tmp_path)
    keys = ["k%d" % i for i in range(6)]

    def req(k):
        return ("/", [("X-Key", k)])
    # each key first on a new connection (round robin spreads them over
    # both servers), then all mixed on keep-alive connections: the kept
    # server connection must not take a key elsewhere than its entry says
    # keys first seen on a kept connection are stored for its server too
    fresh = ["n0", "n1", "n2"]
    traffic = [[req(k)] for k in keys] + [[req(k) for k in keys * 2], [req(k) for k in fresh]] + \
        [[req(k)] for k in fresh * 2] + [[req(k) for k in reversed(keys)]]
    for name, port, sock in procs:
        got = servers_by_key(send(port, traffic))
        assert all(len(tags) == 1 for tags in got.values()), (name, got)
        assert {t for tags in got.values() for t in tags} == {"A", "B"}, (name, got)
        # the table names the server that answered each key (ids 1, 2)
        ents = {e["key"]: e["server_id"] for e in table_entries(admin_cli(sock, "show table by_key"))}
        assert {k: {"1": "A", "2": "B"}[v] for k, v in ents.items()} == \
            {k: next(iter(t)) for k, t in got.items()}, (name, ents, got)


def test_stick_store_response_then_match_on_request_header(tollgate, haproxy, http_backend, tmp_path):
    procs = start_both(tollgate, haproxy, http_backend, tmp_path)
    for name, port, sock in procs:
        logins = send(port, [[("/login", [])], [("/login", [])]])
        sess = {tag: sid for _, tag, sid in logins}
        assert set(sess) == {"A", "B"} and sess["A"].startswith("A-") and sess["B"].startswith("B-"), (name, logins)
        # every later request carrying a session goes to the server that
        # gave it, whatever round robin would pick, on new and kept
        # connections
        for tag, sid in sorted(sess.items()):
            conv = [("/app", [("X-Sess", sid)])] * 3
            res = send(port, [conv, conv[:1], conv[:1]])
            assert [t for _, t, _ in res] == [tag] * 5, (name, sid, res)
        ents = {e["key"]: e["server_id"] for e in table_entries(admin_cli(sock, "show table by_sess"))}
        assert ents == {sess["A"]: "1", sess["B"]: "2"}, (name, ents)


def test_stick_rule_fetches_are_checked_for_the_mode_and_the_direction(tmp_path):
    """What haproxy -c refuses, tollgate -c refuses, naming the line; what
    it accepts in mode http, tollgate accepts."""
    head = """
defaults
    timeout client 1s
    timeout server 1s
    timeout connect 1s
backend b
    mode %s
    stick-table type string len 32 size 1k store server_id
    %s
    server a 127.0.0.1:%d
"""
    port = free_port()
    for rule in ("stick on req.hdr(X-Key)", "stick match req.hdr(X-Key)", "stick store-request req.hdr(X-Key)",
                 "stick store-response res.hdr(X-Sess)", "stick on src", "stick store-response src"):
        cfg = head % ("http", rule, port)
        assert run_check(cfg, tmp_path, name="ok.cfg")[0] == 0, rule
        assert run_check(cfg, tmp_path, name="ok.cfg", binary=HAPROXY)[0] in (0, 2), rule
    for rule in ("stick match res.hdr(X-Sess)", "stick on res.hdr(X-Sess)",
                 "stick store-response req.hdr(X-Key)"):
        cfg = head % ("http", rule, port)
        for binary in (None, HAPROXY):
            rc, out, path = run_check(cfg, tmp_path, name="bad.cfg", **({"binary": binary} if binary else {}))
            assert rc == 1 and "bad.cfg:9" in out and "available" in out, (binary, rule, out)
