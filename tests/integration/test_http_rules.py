"""mode http rules end to end: rate limiting with stick tables (seen over
the admin socket), per-key and per-path tracking, final actions (deny,
return, redirect, tarpit, allow), http-response actions, header and
start-line rewrites as the server sees them, use_backend routing, and
cookie persistence (insert / rewrite / prefix)."""
import time

from conftest import HTTP_DEFAULTS, free_port, run_check, wait_until
from httpbackend import (admin_cli, admin_ready, build, connect, get, read_response,
                         read_until_close, table_entries)




def start_proxy(tollgate, tmp_path, port, body, admin=False):
    """Starts tollgate with <body> (frontend/backend sections) after a
    common global/defaults; returns the admin socket path (or None)."""
    sock = str(tmp_path / "admin.sock")
    glob = ["global", "    nbthread 2"]
    if admin:
        glob += ["    stats socket %s level admin" % sock, "    stats timeout 5s"]
    text = "\n".join(glob + [
        "defaults", "    mode http", "    timeout client 5s", "    timeout server 5s",
        "    timeout connect 2s", ""]) + body
    tollgate(text, port=port, name="tollgate-%d.cfg" % port)
    if admin:
        wait_until(lambda: admin_ready(sock), 5, "the admin socket")
        return sock
    return None


def entry(sock, table, key):
    """The entry of <key> in <table> as a dict, or None."""
    ents = [e for e in table_entries(admin_cli(sock, "show table %s" % table)) if e.get("key") == key]
    return ents[0] if ents else None


def wait_entry(sock, table, key, expect):
    """Waits until the entry of <key> holds every (name, value) of <expect>
    (counters are updated when a transaction ends, which may be just after
    the client got its response); returns the entry."""
    got = {}

    def ok():
        got["e"] = entry(sock, table, key)
        return got["e"] is not None and all(got["e"].get(k) == v for k, v in expect.items())

    try:
        wait_until(ok, 5, "table %s key %s" % (table, key))
    except AssertionError:
        raise AssertionError("table %s key %s: want %r, got %r" % (table, key, expect, got.get("e")))
    return got["e"]


# ---- 1. rate limiting ----

RATE_FE = """
frontend fe
    bind 127.0.0.1:%d
    stick-table type ip size 1m expire 60s store http_req_rate(10s),http_req_cnt
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt %d }
    default_backend be
backend be
    server a 127.0.0.1:%d
"""


def test_rate_limit_keepalive_then_new_connections(http_backend, tollgate, tmp_path):
    b = http_backend("A")
    port = free_port()
    n = 6
    sock = start_proxy(tollgate, tmp_path, port, RATE_FE % (port, n, b.port), admin=True)
    with connect(port) as s:
        for i in range(n):
            s.sendall(build("/ok%d" % i))
            st, _, _, body = read_response(s)
            assert st == 200 and body == b"A GET /ok%d\n" % i, (i, st)
        # the next one on the same connection is denied, and the
        # connection is closed after the 429
        s.sendall(build("/denied"))
        st, h, _, body = read_response(s)
        assert st == 429 and b"429 Too Many Requests" in body
        assert read_until_close(s) == b""
    for i in range(3):
        st, _, _, _ = get(port, "/again%d" % i)
        assert st == 429
    # the server never saw a denied request
    assert [r.path for r in b.requests] == ["/ok%d" % i for i in range(n)]
    # every request is counted, the denied ones too (HAProxy counts the
    # request when it is tracked)
    # and once every connection is gone, no stream holds the entry
    wait_entry(sock, "fe", "127.0.0.1", {"http_req_cnt": str(n + 4), "http_req_rate(10000)": str(n + 4),
                                         "use": "0"})


def test_rate_limit_new_connection_each_request(http_backend, tollgate, tmp_path):
    b = http_backend("A")
    port = free_port()
    n = 8
    sock = start_proxy(tollgate, tmp_path, port, RATE_FE % (port, n, b.port), admin=True)
    statuses = [get(port, "/r%d" % i)[0] for i in range(n + 5)]
    assert statuses == [200] * n + [429] * 5
    assert b.count() == n
    wait_entry(sock, "fe", "127.0.0.1", {"http_req_cnt": str(n + 5), "http_req_rate(10000)": str(n + 5)})


def test_http_err_cnt_and_fail_cnt(http_backend, tollgate, tmp_path):
    def handler(req):
        if req.path.startswith("/nf"):
            return 404, [], b"nope"
        if req.path.startswith("/err"):
            return 500, [], b"boom"
        if req.path.startswith("/unavail"):
            return 503, [], b"later"
        return 200, [], b"ok"

    b = http_backend("A", handler)
    port = free_port()
    sock = start_proxy(tollgate, tmp_path, port, """
frontend fe
    bind 127.0.0.1:%d
    stick-table type ip size 1m expire 60s store http_req_cnt,http_err_cnt,http_fail_cnt
    http-request track-sc0 src
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, b.port), admin=True)
    got = []
    with connect(port) as s:
        for p in ["/nf1", "/ok", "/nf2", "/err1", "/nf3", "/unavail", "/ok"]:
            s.sendall(build(p))
            got.append(read_response(s)[0])
    assert got == [404, 200, 404, 500, 404, 503, 200]
    wait_entry(sock, "fe", "127.0.0.1", {"http_req_cnt": "7", "http_err_cnt": "3", "http_fail_cnt": "2"})


def test_http_err_codes_and_fail_codes_redefine_the_counted_statuses(http_backend, tollgate, tmp_path):
    """`http-err-codes` / `http-fail-codes` (HAProxy 3.0) choose which
    statuses count; a server's status is counted before the response rules,
    so http-after-response already sees it."""
    def handler(req):
        return int(req.path[1:4]), [], b"x"

    b = http_backend("A", handler)
    port = free_port()
    cfg = """
global
    http-err-codes 220 +300-499 -300-399 -404
    http-fail-codes -550-580 +555,599,556-566
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    stick-table type string size 1k store http_err_cnt,http_fail_cnt
    http-request track-sc0 path
    http-after-response add-header x-table err=%%[sc0_http_err_cnt],fail=%%[sc0_http_fail_cnt]
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, b.port)
    tollgate(cfg, port=port)
    want = {"/220": "err=1,fail=0", "/300": "err=0,fail=0", "/404": "err=0,fail=0",
            "/400": "err=1,fail=0", "/555": "err=0,fail=1", "/551": "err=0,fail=0",
            "/500": "err=0,fail=1", "/501": "err=0,fail=0"}
    for path, table in want.items():
        st, hdrs, _, _ = get(port, path)
        assert st == int(path[1:])
        assert hdrs["x-table"] == table, path


def test_http_err_codes_bad_range_names_the_line(tmp_path):
    rc, out, _ = run_check("global\n    http-err-codes 400-399\n", tmp_path)
    assert rc != 0
    assert "t.cfg:2" in out and "'http-err-codes'" in out and "400-399" in out, out


# ---- 2. per-header and per-path tracking ----

def test_per_key_and_per_path_limits_are_independent(http_backend, tollgate, tmp_path):
    b = http_backend("A")
    port = free_port()
    sock = start_proxy(tollgate, tmp_path, port, """
frontend fe
    bind 127.0.0.1:%d
    http-request track-sc1 req.hdr(x-api-key) table keys
    http-request track-sc2 path table paths
    http-request deny deny_status 429 if { sc_http_req_rate(1,keys) gt 3 }
    http-request deny if { sc_http_req_rate(2,paths) gt 5 }
    default_backend be
backend keys
    stick-table type string len 32 size 1k expire 60s store http_req_rate(10s),http_req_cnt
backend paths
    stick-table type string len 64 size 1k expire 60s store http_req_rate(10s)
backend be
    server a 127.0.0.1:%d
""" % (port, b.port), admin=True)

    def st(path, key=None):
        return get(port, path, [("X-Api-Key", key)] if key else [])[0]

    # key k1 is limited after 3 requests...
    assert [st("/a%d" % i, "k1") for i in range(5)] == [200, 200, 200, 429, 429]
    # ...which does not affect key k2
    assert [st("/b%d" % i, "k2") for i in range(4)] == [200, 200, 200, 429]
    # a path is limited after 5 requests, whatever the key (or none)
    assert [st("/p") for _ in range(5)] == [200] * 5
    assert st("/p") == 403
    assert st("/p", "fresh-key") == 403
    # another path, without a key, is not limited
    assert st("/q") == 200
    assert b.count() == 3 + 3 + 5 + 1
    wait_entry(sock, "keys", "k1", {"http_req_cnt": "5", "http_req_rate(10000)": "5"})
    wait_entry(sock, "keys", "k2", {"http_req_cnt": "4"})
    wait_entry(sock, "keys", "fresh-key", {"http_req_cnt": "1"})
    wait_entry(sock, "paths", "/p", {"http_req_rate(10000)": "7"})
    wait_entry(sock, "paths", "/q", {"http_req_rate(10000)": "1"})


# ---- 3. final actions and http-response actions ----

def test_deny_return_redirect_allow(http_backend, tollgate, tmp_path):
    def handler(req):
        if req.path == "/teapot":
            return 418, [], b"short and stout"
        if req.path == "/want-status":
            return 200, [("X-Want", "set")], b"body kept"
        return 200, [("Content-Type", "text/plain")], ("A %s %s\n" % (req.method, req.path)).encode()

    b = http_backend("A", handler)
    port = free_port()
    f = tmp_path / "reply.json"
    f.write_bytes(b'{"from": "file"}\n')
    start_proxy(tollgate, tmp_path, port, """
frontend fe
    bind 127.0.0.1:%d
    http-request allow if { path -m beg /free }
    http-request deny if { path -m beg /free }
    http-request deny if { path /deny }
    http-request deny deny_status 429 if { path /deny429 }
    http-request return status 201 content-type text/plain string "made it" if { path /ret }
    http-request return content-type application/json file %s hdr X-R yes if { path /retfile }
    http-request redirect location https://elsewhere.example/x code 301 if { path /loc }
    http-request redirect prefix /new drop-query if { path_beg /old }
    redirect prefix https://pfx.example code 308 if { path_beg /keepq }
    http-request redirect scheme https code 303 if { path /sch }
    default_backend be
backend be
    http-response deny if { status 418 }
    http-response set-status 299 reason "Fine Here" if { res.hdr(x-want) -m found }
    server a 127.0.0.1:%d
""" % (port, f, b.port))

    # allow stops the evaluation: the deny after it is not reached
    st, _, _, body = get(port, "/free/x")
    assert st == 200 and body == b"A GET /free/x\n"
    # deny: 403 by default, the built-in page; the connection stays, as
    # HAProxy 2.6's (test_deny_keepalive.py)
    with connect(port) as s:
        s.sendall(build("/deny"))
        st, h, _, body = read_response(s)
        assert st == 403 and b"403 Forbidden" in body
        assert "connection" not in h
        s.sendall(build("/ret"))
        st, _, _, body = read_response(s)
        assert st == 201 and body == b"made it"
    st, _, _, body = get(port, "/deny429")
    assert st == 429 and b"429 Too Many Requests" in body
    # return keeps the connection alive
    with connect(port) as s:
        s.sendall(build("/ret"))
        st, h, _, body = read_response(s)
        assert st == 201 and h["content-type"] == "text/plain" and body == b"made it"
        s.sendall(build("/retfile"))
        st, h, _, body = read_response(s)
        assert st == 200 and h["content-type"] == "application/json" and h["x-r"] == "yes"
        assert body == b'{"from": "file"}\n'
        s.sendall(build("/after-return"))
        st, _, _, body = read_response(s)
        assert st == 200 and body == b"A GET /after-return\n"
    # redirects
    st, h, _, body = get(port, "/loc?a=1")
    assert st == 301 and h["location"] == "https://elsewhere.example/x" and body == b""
    st, h, _, _ = get(port, "/old/page?q=1")
    assert st == 302 and h["location"] == "/new/old/page" and h["cache-control"] == "no-cache"
    st, h, _, _ = get(port, "/keepq/a?x=1&y=2")
    assert st == 308 and h["location"] == "https://pfx.example/keepq/a?x=1&y=2"
    st, h, _, _ = get(port, "/sch?y=2", host="h.example:8080")
    assert st == 303 and h["location"] == "https://h.example:8080/sch?y=2"
    # http-response deny: the client gets a 502, never the server's body
    st, _, _, body = get(port, "/teapot")
    assert st == 502 and b"short and stout" not in body
    # http-response set-status with a reason
    with connect(port) as s:
        s.sendall(build("/want-status"))
        head = b""
        while b"\r\n\r\n" not in head:
            d = s.recv(4096)
            assert d, head
            head += d
        assert head.split(b"\r\n", 1)[0] == b"HTTP/1.1 299 Fine Here"
    # none of the locally answered requests reached the server
    assert sorted(r.path for r in b.requests) == sorted(
        ["/free/x", "/after-return", "/teapot", "/want-status"])


def test_tarpit_answers_after_the_timeout(http_backend, tollgate, tmp_path):
    b = http_backend("A")
    port = free_port()
    start_proxy(tollgate, tmp_path, port, """
frontend fe
    bind 127.0.0.1:%d
    timeout tarpit 600ms
    http-request tarpit if { path /slow }
    http-request tarpit deny_status 429 if { path /slow429 }
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, b.port))
    for path, code in (("/slow", 500), ("/slow429", 429)):
        t0 = time.monotonic()
        st, h, _, _ = get(port, path)
        elapsed = time.monotonic() - t0
        assert st == code
        assert elapsed >= 0.55, elapsed
        assert elapsed < 4.5, elapsed
    # other requests are not held
    assert get(port, "/fast")[0] == 200
    assert [r.path for r in b.requests] == ["/fast"]


# ---- 4. rewrites seen by the server, routing ----

def test_request_and_response_rewrites(http_backend, tollgate, tmp_path):
    def handler(req):
        return 200, [("X-Server-Secret", "hidden"), ("X-Keep", "kept")], ("A %s %s\n" % (req.method, req.path)).encode()

    b = http_backend("A", handler)
    port = free_port()
    start_proxy(tollgate, tmp_path, port, r"""
frontend fe
    bind 127.0.0.1:%d
    http-request set-header X-Src %%[src]
    http-request set-header X-Host "h=%%[req.hdr(host)]"
    http-request add-header X-Multi one
    http-request add-header X-Multi two
    http-request del-header X-Secret
    http-request replace-header X-Ver ^v([0-9]+)[.]([0-9]+)$ major=\1,minor=\2
    http-request replace-value X-List ^item-([a-z]+)$ \1!
    http-request set-path /rewritten%%[path] if { path_beg /sp }
    http-request set-query a=1&b=%%[req.hdr(x-q)] if { path_beg /sq }
    http-request set-method PUT if { path_beg /sm }
    http-request set-uri /totally/new?z=9 if { path_beg /su }
    http-response set-header X-Resp-Added yes
    http-response del-header X-Server-Secret
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (port, b.port))
    st, h, hl, body = get(port, "/plain", [("X-Secret", "s1"), ("X-Set-Me", "x"), ("X-Src", "spoofed"),
                                            ("X-Ver", "v3.14"), ("X-List", "item-a, item-b,other"),
                                            ("X-Secret", "s2")], host="www.example")
    assert st == 200 and body == b"A GET /plain\n"
    # response rewrites seen by the client
    assert h["x-resp-added"] == "yes" and h["x-keep"] == "kept"
    assert "x-server-secret" not in h
    r = b.requests[-1]
    assert r.header_all("X-Src") == ["127.0.0.1"]
    assert r.header("X-Host") == "h=www.example"
    assert r.header_all("X-Multi") == ["one", "two"]
    assert r.header_all("X-Secret") == []
    assert r.header("X-Ver") == "major=3,minor=14"
    assert r.header("X-List") == "a!, b!, other"
    # a field that does not match the regex is kept as it was
    get(port, "/plain2", [("X-Ver", "version three")])
    assert b.requests[-1].header("X-Ver") == "version three"
    # start-line rewrites
    get(port, "/sp/x?k=v")
    assert b.requests[-1].path == "/rewritten/sp/x?k=v"
    get(port, "/sq/p?old=1", [("X-Q", "7")])
    assert b.requests[-1].path == "/sq/p?a=1&b=7"
    get(port, "/sm/thing")
    assert (b.requests[-1].method, b.requests[-1].path) == ("PUT", "/sm/thing")
    get(port, "/su/whatever?q=1")
    assert b.requests[-1].path == "/totally/new?z=9"


def test_use_backend_on_host_and_path(http_backend, tollgate, tmp_path):
    main, api, static = http_backend("MAIN"), http_backend("API"), http_backend("STATIC")
    port = free_port()
    start_proxy(tollgate, tmp_path, port, """
frontend fe
    bind 127.0.0.1:%d
    use_backend api if { req.hdr(host) -i api.example }
    use_backend static if { path -m beg /static }
    default_backend main
backend main
    server m 127.0.0.1:%d
backend api
    server a 127.0.0.1:%d
backend static
    server s 127.0.0.1:%d
""" % (port, main.port, api.port, static.port))
    assert get(port, "/x", host="API.Example")[3] == b"API GET /x\n"
    assert get(port, "/static/app.js", host="www.example")[3] == b"STATIC GET /static/app.js\n"
    # the first matching rule wins
    assert get(port, "/static/y", host="api.example")[3] == b"API GET /static/y\n"
    assert get(port, "/staticfile", host="www.example")[3] == b"STATIC GET /staticfile\n"
    assert get(port, "/other/static", host="www.example")[3] == b"MAIN GET /other/static\n"
    # routing is decided per request on a keep-alive connection
    with connect(port) as s:
        for path, host, want in (("/a", "api.example", b"API"), ("/b", "w", b"MAIN"),
                                 ("/static/c", "w", b"STATIC"), ("/d", "api.example", b"API")):
            s.sendall(build(path, host=host))
            st, _, _, body = read_response(s)
            assert st == 200 and body == want + b" GET " + path.encode() + b"\n"
    assert main.count() == 2 and api.count() == 4 and static.count() == 3


# ---- 5. cookie persistence ----

def cookie_cfg(port, a, b, cookie_line):
    return """
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    balance roundrobin
    %s
    server a 127.0.0.1:%d cookie a
    server b 127.0.0.1:%d cookie b
""" % (port, cookie_line, a.port, b.port)


def test_cookie_insert_indirect_nocache(http_backend, tollgate, tmp_path):
    a, b = http_backend("A"), http_backend("B")
    port = free_port()
    sock = start_proxy(tollgate, tmp_path, port, cookie_cfg(port, a, b, "cookie SRV insert indirect nocache"),
                       admin=True)
    # without a cookie: load balanced, and the response sets the cookie of
    # the server that answered
    seen = set()
    for _ in range(2):
        st, h, hl, body = get(port, "/first")
        tag = body.split()[0].decode()
        srv = tag.lower()
        seen.add(tag)
        cookies = [v for n, v in hl if n.lower() == "set-cookie"]
        assert cookies == ["SRV=%s; path=/" % srv], hl
        assert h["cache-control"] == "private"
    assert seen == {"A", "B"}     # roundrobin alternates without a cookie
    # with SRV=b: always b, on new connections and on one keep-alive one;
    # no new cookie, and the server does not see ours (indirect)
    for i in range(4):
        st, h, hl, body = get(port, "/p%d" % i, [("Cookie", "SRV=b")])
        assert body == b"B GET /p%d\n" % i
        assert "set-cookie" not in h
    with connect(port) as s:
        for i in range(4):
            s.sendall(build("/k%d" % i, [("Cookie", "other=1; SRV=b; last=2")]))
            st, h, _, body = read_response(s)
            assert body == b"B GET /k%d\n" % i and "set-cookie" not in h
    bs = [r for r in b.requests if r.path.startswith(("/p", "/k"))]
    assert len(bs) == 8
    assert all(r.header("Cookie") is None for r in bs if r.path.startswith("/p"))
    assert all(r.header("Cookie") == "other=1; last=2" for r in bs if r.path.startswith("/k"))
    # an unknown server cookie: load balanced, and a valid cookie is set
    st, h, hl, body = get(port, "/unknown", [("Cookie", "SRV=zz")])
    srv = body.split()[0].decode().lower()
    assert [v for n, v in hl if n.lower() == "set-cookie"] == ["SRV=%s; path=/" % srv]
    # b in maintenance: the request goes to a, which sets its own cookie
    assert admin_cli(sock, "disable server be/b") == "\n"
    for i in range(3):
        st, h, hl, body = get(port, "/moved%d" % i, [("Cookie", "SRV=b")])
        assert st == 200 and body == b"A GET /moved%d\n" % i
        assert [v for n, v in hl if n.lower() == "set-cookie"] == ["SRV=a; path=/"]
        assert a.requests[-1].header("Cookie") is None
    assert admin_cli(sock, "enable server be/b") == "\n"
    assert get(port, "/back", [("Cookie", "SRV=b")])[3] == b"B GET /back\n"


def test_cookie_rewrite_and_prefix(http_backend, tollgate, tmp_path):
    def handler(tag):
        def h(req):
            return 200, [("Set-Cookie", "SRV=app-value; path=/; HttpOnly"),
                         ("Set-Cookie", "JSESSIONID=abc123; path=/")], \
                ("%s %s %s\n" % (tag, req.path, req.header("Cookie"))).encode()
        return h

    a, b = http_backend("A", handler("A")), http_backend("B", handler("B"))
    port = free_port()
    start_proxy(tollgate, tmp_path, port, cookie_cfg(port, a, b, "cookie SRV rewrite"))
    st, h, hl, body = get(port, "/r")
    srv = body.split()[0].decode().lower()
    cookies = [v for n, v in hl if n.lower() == "set-cookie"]
    assert "SRV=%s; path=/; HttpOnly" % srv in cookies and "JSESSIONID=abc123; path=/" in cookies
    for i in range(3):
        body = get(port, "/r%d" % i, [("Cookie", "SRV=b")])[3]
        # rewrite mode does not remove the cookie from the request
        assert body == b"B /r%d SRV=b\n" % i

    port2 = free_port()
    start_proxy(tollgate, tmp_path, port2, cookie_cfg(port2, a, b, "cookie JSESSIONID prefix"))
    st, h, hl, body = get(port2, "/p")
    srv = body.split()[0].decode().lower()
    cookies = [v for n, v in hl if n.lower() == "set-cookie"]
    assert "JSESSIONID=%s~abc123; path=/" % srv in cookies, cookies
    assert "SRV=app-value; path=/; HttpOnly" in cookies
    for i in range(3):
        body = get(port2, "/p%d" % i, [("Cookie", "x=1; JSESSIONID=b~xyz")])[3]
        # prefix mode: routed by the prefix, which the server never sees
        assert body == b"B /p%d x=1; JSESSIONID=xyz\n" % i
