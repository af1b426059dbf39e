"""http-request / http-after-response actions, observed from outside
through Tollgate and the reference HAProxy 2.6 on the same configuration:
set-pathq, replace-path, replace-pathq, replace-uri (with back-references
and log-format replacements) and the pathq fetch as the server sees them;
http-after-response on server and local replies; normalize-uri with each
normaliser. Each test checks the outcome and that HAProxy gives the
same."""

from conftest import HTTP_DEFAULTS, free_port, wait_until
from httpbackend import build, connect, read_response


def start_both(tollgate, haproxy, http_backend, body):
    """Starts both proxies on HTTP_DEFAULTS + <body> (PORT: the bind port,
    BACKEND: the server's port), each before its own recording server;
    returns {name: (port, backend)}."""
    out = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        port = free_port()
        start(HTTP_DEFAULTS + body.replace("PORT", str(port)).replace("BACKEND", str(b.port)), port=port)
        out[name] = (port, b)
    return out


def seen(procs, raw):
    """Sends <raw> to both; returns {name: the last request its server saw}."""
    out = {}
    for name, (port, b) in procs.items():
        with connect(port) as s:
            s.sendall(raw)
            st = read_response(s)[0]
            assert st == 200, (name, st, raw)
        out[name] = b.requests[-1]
    return out


TARGET_CFG = r"""
frontend fe
    bind 127.0.0.1:PORT
    http-request set-header x-pathq %[pathq]
    http-request replace-path (.*) /foo\1 if { path_beg /p/ }
    http-request set-pathq /q%[path]?new=1 if { path_beg /q/ }
    http-request replace-pathq /([^?]*)\?a=([^&]*)&?(.*) /\2/\1?\3 if { path_beg /rq/ }
    http-request replace-uri ^(.*)/u/(.*)$ \1/%[req.hdr(x-dir)]/\2 if { path_beg /u/ }
    default_backend be
backend be
    server s1 127.0.0.1:BACKEND
"""


def test_path_and_query_rewrites(tollgate, haproxy, http_backend):
    procs = start_both(tollgate, haproxy, http_backend, TARGET_CFG)
    cases = [
        (build("/p/x?k=v"), "/foo/p/x?k=v", "/p/x?k=v"),
        (build("http://h/p/x?k=v", host="h"), "http://h/foo/p/x?k=v", "/p/x?k=v"),
        (build("/q/a?old=2"), "/q/q/a?new=1", "/q/a?old=2"),
        (build("/rq/b?a=z&c=d"), "/z/rq/b?c=d", "/rq/b?a=z&c=d"),
        (build("/u/y", headers=[("x-dir", "dir")]), "/dir/y", "/u/y"),
        (build("/other"), "/other", "/other"),
    ]
    for raw, path, pathq in cases:
        got = seen(procs, raw)
        t, h = got["tollgate"], got["haproxy"]
        assert (t.path, t.header("x-pathq")) == (path, pathq), (raw, t.path, t.header("x-pathq"))
        assert (h.path, h.header("x-pathq")) == (t.path, t.header("x-pathq")), raw


AFTER_CFG = r"""
frontend fe
    bind 127.0.0.1:PORT
    http-request return status 202 content-type text/plain string ok if { path /ret }
    http-request deny if { path /deny }
    http-response set-header x-res yes
    http-after-response add-header x-order fe
    http-after-response set-header x-status "%[status]"
    http-after-response del-header x-drop
    use_backend none if { path /none }
    default_backend be
backend be
    http-after-response add-header x-order be
    http-after-response set-header x-drop gone
    server s1 127.0.0.1:BACKEND
backend none
"""


def test_http_after_response_on_server_and_local_replies(tollgate, haproxy, http_backend):
    """The after-response rules of the backend then the frontend edit every
    response: the server's, a `return`, a `deny` page, a 503."""
    procs = start_both(tollgate, haproxy, http_backend, AFTER_CFG)
    for path, status, order in (("/srv", 200, ["be", "fe"]), ("/ret", 202, ["fe"]),
                                ("/deny", 403, ["fe"]), ("/none", 503, ["fe"])):
        got = {}
        for name, (port, _) in procs.items():
            with connect(port) as s:
                s.sendall(build(path))
                st, h, hl, _ = read_response(s)
            got[name] = (st, [v for n, v in hl if n.lower() == "x-order"], h.get("x-status"),
                         h.get("x-drop"), h.get("x-res"))
        assert got["tollgate"][:4] == (status, order, str(status), None), (path, got)
        assert got["tollgate"] == got["haproxy"], (path, got)
    # a request that does not parse is answered without the rules
    got = {}
    for name, (port, _) in procs.items():
        with connect(port) as s:
            s.sendall(b"GET /a b HTTP/1.1\r\nhost: x\r\n\r\n")
            st, h, hl, _ = read_response(s)
        got[name] = (st, [v for n, v in hl if n.lower() == "x-order"], h.get("x-status"))
    assert got["tollgate"] == (400, [], None) and got["haproxy"] == got["tollgate"], got


NORMALIZERS = [("merge", "path-merge-slashes"), ("dotdot", "path-strip-dotdot"),
               ("dotdot-full", "path-strip-dotdot full"), ("dot", "path-strip-dot"),
               ("sort", "query-sort-by-name"), ("upper", "percent-to-uppercase"),
               ("upper-strict", "percent-to-uppercase strict"), ("decode", "percent-decode-unreserved"),
               ("decode-strict", "percent-decode-unreserved strict"), ("frag-strip", "fragment-strip"),
               ("frag-encode", "fragment-encode")]

# one backend per normaliser, chosen by the x-n header, that answers with
# the target as its rules see it
NORMALIZE_CFG = """
global
    expose-experimental-directives
frontend fe
    bind 127.0.0.1:PORT
    option accept-invalid-http-request
""" + "".join("    use_backend %s if { req.hdr(x-n) n-%s }\n" % (k, k) for k, _ in NORMALIZERS) + \
    "".join("backend %s\n    http-request normalize-uri %s\n    http-request return hdr x-url %%[url]\n" % kn
            for kn in NORMALIZERS)


def test_normalize_uri(tollgate, haproxy, http_backend):
    """Each normaliser, in its own backend, on the target the rules then
    see; a strict normaliser answers 400 to a bad percent sequence."""
    procs = start_both(tollgate, haproxy, http_backend, NORMALIZE_CFG)
    cases = [
        ("merge", "///foo//bar?x=//", "/foo/bar?x=//"),
        ("dotdot", "/foo/../../bar/", "/../bar/"),
        ("dotdot-full", "/foo/../../bar/", "/bar/"),
        ("dotdot", "/foo/../bar/", "/bar/"),
        ("dotdot", "/a/b/..", "/a/"),
        ("dot", "/a/./b/.", "/a/b/"),
        ("sort", "/p?b=2&a=1&b=1&a", "/p?a=1&a&b=2&b=1"),
        ("upper", "/%aa?q=%bc", "/%AA?q=%BC"),
        ("upper", "/%aa?q=%zz", "/%AA?q=%zz"),
        ("decode", "/%61%2F%36", "/a%2F6"),
        ("decode", "/%61%2F%%36%36", "/a%2F%66"),
        ("frag-strip", "/x#frag", "/x"),
        ("frag-encode", "/x#a#b", "/x%23a%23b"),
        ("merge", "*", "*"),
    ]
    for norm, target, want in cases:
        raw = build(target, headers=[("x-n", "n-" + norm)], method="OPTIONS" if target == "*" else "GET")
        for name, (port, _) in procs.items():
            with connect(port) as s:
                s.sendall(raw)
                st, h, _, _ = read_response(s)
            assert (st, h.get("x-url")) == (200, want), (name, norm, target, st, h.get("x-url"))
    for norm, target in (("upper-strict", "/%zz"), ("decode-strict", "/%%36")):
        for name, (port, _) in procs.items():
            with connect(port) as s:
                s.sendall(build(target, headers=[("x-n", "n-" + norm)]))
                assert read_response(s)[0] == 400, (name, norm)


ADDR_CFG = """
frontend fe
    bind 127.0.0.1:PORT
    http-request set-src hdr(x-src) if { req.hdr(x-src) -m found }
    http-request set-dst hdr(x-dst) if { req.hdr(x-dst) -m found }
    http-request set-src-port hdr(x-sport) if { req.hdr(x-sport) -m found }
    http-request set-dst-port hdr(x-dport) if { req.hdr(x-dport) -m found }
    http-request set-header x-seen "%[src] %[src_port] %[dst] %[dst_port]"
    default_backend be
backend be
    option forwardfor except 10.0.0.0/8
    option originalto except 2001:db8::/32 header x-orig
    server s1 127.0.0.1:BACKEND
"""


def test_set_src_dst_and_originalto(tollgate, haproxy, http_backend):
    """set-src / set-dst (and their ports) change what the fetches, option
    forwardfor and option originalto (with `except`) see."""
    procs = start_both(tollgate, haproxy, http_backend, ADDR_CFG)
    cases = [
        ([("x-src", "192.0.2.7"), ("x-dst", "2001:db9::1")], "192.0.2.7", "2001:db9::1"),
        ([("x-src", "10.1.2.3"), ("x-dst", "2001:db8::5")], None, None),
        ([("x-src", "::1"), ("x-sport", "4242"), ("x-dport", "8080")], "::1", "127.0.0.1"),
        ([("x-src", "not an address")], "127.0.0.1", "127.0.0.1"),
    ]
    for hdrs, xff, orig in cases:
        got = seen(procs, build("/", headers=hdrs))
        t, h = got["tollgate"], got["haproxy"]
        assert (t.header("x-forwarded-for"), t.header("x-orig")) == (xff, orig), (hdrs, t.headers)
        assert (h.header("x-forwarded-for"), h.header("x-orig")) == (xff, orig), (hdrs, h.headers)
        tw, hw = t.header("x-seen").split(), h.header("x-seen").split()
        assert tw[0] == hw[0] and tw[2] == hw[2], (tw, hw)
        if ("x-sport", "4242") in hdrs:
            assert (tw[1], tw[3]) == ("4242", "8080") == (hw[1], hw[3]), (tw, hw)


STRICT_CFG = """
global
    tune.bufsize 1024
    tune.maxrewrite 256
frontend fe
    bind 127.0.0.1:PORT
    http-request strict-mode off if { path /lax }
    http-request set-header x-big "%[req.hdr(x-long)]%[req.hdr(x-long)]%[req.hdr(x-long)]"
    http-request set-header x-small yes
    default_backend be
backend be
    server s1 127.0.0.1:BACKEND
"""


def test_strict_mode(tollgate, haproxy, http_backend):
    """A rewrite that does not fit in the buffer answers 500 in strict mode
    (the default); after `strict-mode off` it is skipped and the rules go
    on."""
    procs = start_both(tollgate, haproxy, http_backend, STRICT_CFG)
    raw = lambda path: build(path, headers=[("x-long", "v" * 300)])
    for name, (port, _) in procs.items():
        with connect(port) as s:
            s.sendall(raw("/strict"))
            assert read_response(s)[0] == 500, name
    got = seen(procs, raw("/lax"))
    for name, req in got.items():
        assert (req.header("x-big"), req.header("x-small")) == (None, "yes"), name


CAPTURE_CFG = """
global
    log stdout format raw local0
frontend fe
    bind 127.0.0.1:PORT
    log global
    log-format "cap %cp %hr %hs"
    declare capture request len 8
    declare capture response len 12
    http-request capture req.hdr(host) len 20
    capture request header x-a len 4
    http-request capture path id 0
    http-response capture res.hdr(x-r) id 0
    http-response set-header x-r from-server
    default_backend be
backend be
    http-response set-header x-r from-be
    server s1 127.0.0.1:BACKEND
"""


def test_capture_actions_in_logs(tollgate, haproxy, http_backend):
    """http-request capture (len: a new slot; id: a declared one) and
    http-response capture fill the slots %hr / %hs log, in declaration
    order, cut to their length."""
    lines = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        port = free_port()
        p = start(HTTP_DEFAULTS + CAPTURE_CFG.replace("PORT", str(port)).replace("BACKEND", str(b.port)),
                  port=port)
        with connect(port) as s:
            cport = s.getsockname()[1]
            s.sendall(build("/a-long-path", host="www.example.com", headers=[("x-a", "abcdef")]))
            assert read_response(s)[0] == 200
        needle = "cap %d " % cport
        wait_until(lambda: needle in p.output(), 5, "%s's log line" % name)
        lines[name] = [l for l in p.output().splitlines() if l.startswith(needle)][0][len(needle):]
    assert lines["tollgate"] == "{/a-long-|www.example.com|abcd} {from-be}", lines
    assert lines["tollgate"] == lines["haproxy"], lines


DELHDR_CFG = r"""
frontend fe
    bind 127.0.0.1:PORT
    http-request reject if { path /reject }
    http-request del-header x-beg- -m beg
    http-request del-header -end -m end
    http-request del-header mid -m sub
    http-request del-header ^x-re[0-9]$ -m reg
    http-request del-header X-Str -m str
    default_backend be
backend be
    server s1 127.0.0.1:BACKEND
"""


def test_del_header_methods_and_reject(tollgate, haproxy, http_backend):
    """del-header -m str|beg|end|sub|reg removes the fields whose name
    matches; reject closes the connection without an answer."""
    procs = start_both(tollgate, haproxy, http_backend, DELHDR_CFG)
    names = ["X-Beg-A", "x-beg", "a-END", "end", "amidb", "x-re1", "x-re12", "x-str", "x-strx", "keep"]
    got = seen(procs, build("/", headers=[(n, "v") for n in names]))
    for name, req in got.items():
        left = [n for n, _ in req.headers if n.lower() not in ("host", "content-length", "connection")]
        assert left == ["x-beg", "end", "x-re12", "x-strx", "keep"], (name, left)
    for name, (port, _) in procs.items():
        with connect(port) as s:
            s.sendall(build("/reject"))
            assert s.recv(100) == b"", name


LOGLEVEL_CFG = """
global
    log stdout format raw local0 notice
frontend fe
    bind 127.0.0.1:PORT
    log global
    log-format "lvl %r"
    http-request set-log-level err if { path /err }
    http-request set-log-level silent if { path /silent }
    http-request set-log-level notice if { path /notice }
    default_backend be
backend be
    server s1 127.0.0.1:BACKEND
"""


def test_set_log_level(tollgate, haproxy, http_backend):
    """set-log-level changes the severity of the request's log line, which
    the log target (notice and above) filters on; silent logs nothing."""
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        port = free_port()
        p = start(HTTP_DEFAULTS + LOGLEVEL_CFG.replace("PORT", str(port)).replace("BACKEND", str(b.port)),
                  port=port)
        for path in ("/err", "/silent", "/info", "/notice", "/notice"):
            with connect(port) as s:
                s.sendall(build(path))
                assert read_response(s)[0] == 200
        # the last /notice is logged: the lines before it are written
        wait_until(lambda: p.output().count("lvl GET /notice ") == 2, 5, "%s's log" % name)
        lines = [l.split()[2] for l in p.output().splitlines() if l.startswith("lvl GET ")]
        assert lines == ["/err", "/notice", "/notice"], (name, lines)


TIMEOUT_CFG = """
frontend fe
    bind 127.0.0.1:PORT
    default_backend be
backend be
    timeout server 5s
    http-request set-timeout server 300ms if { path /short }
    http-request set-timeout server req.hdr(x-t) if { path /expr }
    server s1 127.0.0.1:BACKEND
"""


def test_set_timeout_server(tollgate, haproxy, http_backend):
    """set-timeout server (a time or an expression in ms) bounds this
    request's wait for the server: 504 from a server slower than that;
    the next request on the connection has the backend's timeout again."""
    import time as _time

    def slow(req):
        _time.sleep(1.0)
        return 200, [("Content-Type", "text/plain")], b"late"

    out = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name, slow)
        port = free_port()
        start(HTTP_DEFAULTS + TIMEOUT_CFG.replace("PORT", str(port)).replace("BACKEND", str(b.port)), port=port)
        got = []
        for path in ("/short", "/expr"):
            with connect(port) as s:
                s.sendall(build(path, headers=[("x-t", "400")]))
                got.append(read_response(s)[0])
        with connect(port, timeout=5) as s:
            s.sendall(build("/long"))
            got.append(read_response(s)[0])
        out[name] = got
    assert out["tollgate"] == [504, 504, 200], out
    assert out["tollgate"] == out["haproxy"], out


USE_SERVER_CFG = """
frontend fe
    bind 127.0.0.1:PORT
    default_backend be
backend be
    balance roundrobin
    use-server down if { path /down }
    use-server b if { path_beg /b }
    use-server a if { req.hdr(x-s) a }
    server a 127.0.0.1:PORTA
    server b 127.0.0.1:PORTB
    server down 127.0.0.1:1 disabled
"""


def test_use_server(tollgate, haproxy, http_backend):
    """use-server picks the server of the first matching rule; a rule whose
    server is not usable is passed over and the balancing decides."""
    out = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        a, b = http_backend("A"), http_backend("B")
        port = free_port()
        start(HTTP_DEFAULTS + USE_SERVER_CFG.replace("PORTA", str(a.port)).replace("PORTB", str(b.port))
              .replace("PORT", str(port)), port=port)
        got = []
        for path, hdrs in (("/b1", []), ("/b2", []), ("/b3", [("x-s", "a")]), ("/x", [("x-s", "a")]),
                           ("/x", [("x-s", "a")]), ("/down", []), ("/down", [])):
            with connect(port) as s:
                s.sendall(build(path, headers=hdrs))
                st, _, _, body = read_response(s)
                got.append((st, body.split()[0].decode() if st == 200 else None))
        out[name] = got
    assert out["tollgate"][:5] == [(200, "B")] * 3 + [(200, "A")] * 2, out
    assert sorted(out["tollgate"][5:]) == [(200, "A"), (200, "B")], out
    assert out["tollgate"][:5] == out["haproxy"][:5] and sorted(out["haproxy"][5:]) == sorted(out["tollgate"][5:]), out


COOKIE_LOG_CFG = """
global
    log stdout format raw local0
frontend fe
    bind 127.0.0.1:PORT
    log global
    log-format "ck %r %tsc"
    default_backend be
backend be
    cookie SRV insert indirect
    server a 127.0.0.1:BACKEND cookie sa
    server d 127.0.0.1:1 cookie sd disabled
"""


def test_cookie_flags_in_logs(tollgate, haproxy, http_backend):
    """%tsc's persistence cookie flags: N (none), V (valid), I (names no
    server), D (names a server that is down); I for the inserted one."""
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        port = free_port()
        p = start(HTTP_DEFAULTS + COOKIE_LOG_CFG.replace("PORT", str(port)).replace("BACKEND", str(b.port)),
                  port=port)
        for n, ck in (("1", None), ("2", "SRV=sa"), ("3", "SRV=zz"), ("4", "SRV=sd")):
            with connect(port) as s:
                s.sendall(build("/" + n, headers=[("Cookie", ck)] if ck else []))
                assert read_response(s)[0] == 200
        want = ["ck GET /%d HTTP/1.1 %s" % (i + 1, f) for i, f in enumerate(["--NI", "--VN", "--II", "--DI"])]
        # (HAProxy 2.6 also logs a "----" line per request here: only the
        # lines with the flags are compared)
        wait_until(lambda: all(w in p.output().splitlines() for w in want), 5, "%s's log: %s" % (name, want))
        if name == "tollgate":
            assert [l for l in p.output().splitlines() if l.startswith("ck GET ")] == want, p.output()


RETRIES_CFG = """
global
    log stdout format raw local0
frontend fe
    bind 127.0.0.1:PORT
    log global
    log-format "rt %r %rc %ST"
    http-request set-retries 1 if { path /one }
    http-request set-retries req.hdr(x-r) if { path /expr }
    default_backend be
backend be
    retries 3
    timeout connect 200ms
    server dead 127.0.0.1:DEAD
"""


def test_set_retries(tollgate, dead_port):
    """set-retries replaces the backend's retries for this request (seen in
    %rc). HAProxy 2.6 has no
    set-retries (3.x's is followed)."""
    port, dead = free_port(), dead_port
    p = tollgate(HTTP_DEFAULTS + RETRIES_CFG.replace("PORT", str(port)).replace("DEAD", str(dead)), port=port)
    for path in ("/one", "/expr", "/default"):
        with connect(port) as s:
            s.sendall(build(path, headers=[("x-r", "2")]))
            assert read_response(s)[0] == 503
    wait_until(lambda: "rt GET /default HTTP/1.1 " in p.output(), 5, "the log lines")
    got = [l.split()[4] for l in p.output().splitlines() if l.startswith("rt GET ")]
    assert got == ["1", "2", "3"], p.output()


HEAD_CFG = r"""
listen li
    bind 127.0.0.1:PORT
    http-request set-method GET if METH_HEAD
    server s1 127.0.0.1:BACKEND
"""


def test_head_turned_into_get_drops_the_body(tollgate, haproxy, http_backend):
    """A HEAD request that `set-method GET` sends as a GET: the server's
    response is framed as a GET's (its body read), the client gets the head
    alone, and the next request on the connection gets its own response."""
    def handler(req):
        if req.path == "/chunked":
            return 200, [("Transfer-Encoding", "chunked")], (b"f\r\n0123456789abcde\r\n400\r\n" +
                                                              b"x" * 0x400 + b"\r\n0\r\n\r\n")
        return 200, [("Content-Type", "text/plain")], ("body of %s" % req.path).encode() * 100

    procs = start_both(tollgate, haproxy, http_backend, HEAD_CFG)
    got = {}
    for name, (port, b) in procs.items():
        b.handler = handler
        out = []
        with connect(port) as s:
            for path in ("/cl", "/chunked", "/cl2"):
                s.sendall(build(path, method="HEAD"))
                st, h, _, body = read_response(s, head_only_for_head=True)
                out.append((st, body, h.get("content-length"), h.get("transfer-encoding")))
            s.sendall(build("/last"))
            st, _, _, body = read_response(s)
            out.append((st, body))
        assert [r.method for r in b.requests] == ["GET"] * 4, name
        got[name] = out
    assert got["tollgate"][-1] == (200, b"body of /last" * 100)
    assert got["tollgate"] == got["haproxy"]
