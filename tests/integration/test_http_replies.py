"""Replies the proxy writes itself, through Tollgate and the reference
HAProxy 2.6 on the same configuration: `http-request return` and `deny`
with log-format header values (`hdr NAME FMT`), `lf-string` and `lf-file`
bodies rendered for each request, `file /dev/null`. Each test checks the
answer and that HAProxy gives the same."""

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import get


def start_both(tollgate, haproxy, body):
    """Starts both proxies on HTTP_DEFAULTS + <body> (PORT: the bind port);
    returns {name: port}."""
    ports = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        start(HTTP_DEFAULTS + body.replace("PORT", str(port)), port=port)
        ports[name] = port
    return ports


def both(ports, path, **kw):
    """The same request to both; returns (tollgate's, haproxy's) (status,
    headers dict, body)."""
    out = []
    for name in ("tollgate", "haproxy"):
        st, h, _, body = get(ports[name], path, **kw)
        out.append((st, h, body))
    return out


RETURN_CFG = """
frontend fe
    bind 127.0.0.1:PORT
    http-request return hdr x-url "%[url]" hdr x-lit "a b" if { path /hdr }
    http-request return status 201 content-type text/plain lf-string "path is %[path], host %[req.hdr(host)]" hdr x-m "%[method]" if { path /lf1 }
    http-request return content-type text/plain lf-file LFFILE if { path /lff }
    http-request return file /dev/null hdr x-e "%[path]" if { path /empty }
    http-request deny deny_status 403 content-type text/plain lf-string "no %[path]" hdr x-why denied if { path /deny }
"""


def test_return_with_log_format_headers_and_bodies(tollgate, haproxy, tmp_path):
    lf = tmp_path / "lf.txt"
    lf.write_text("file says %[path]\n")
    ports = start_both(tollgate, haproxy, RETURN_CFG.replace("LFFILE", str(lf)))
    t, h = both(ports, "/hdr?q=1")
    assert t[0] == 200 and t[1]["x-url"] == "/hdr?q=1" and t[1]["x-lit"] == "a b", t
    assert t[1]["content-length"] == "0" and "content-type" not in t[1] and t[2] == b""
    assert (h[0], h[1]["x-url"], h[1]["x-lit"], h[2]) == (t[0], t[1]["x-url"], t[1]["x-lit"], t[2])

    t, h = both(ports, "/lf1", host="example")
    assert t[0] == 201 and t[2] == b"path is /lf1, host example" and t[1]["x-m"] == "GET", t
    assert t[1]["content-type"] == "text/plain" and t[1]["content-length"] == str(len(t[2]))
    assert (h[0], h[2], h[1]["x-m"], h[1]["content-type"]) == (t[0], t[2], t[1]["x-m"], t[1]["content-type"])

    t, h = both(ports, "/lff")
    assert t[0] == 200 and t[2] == b"file says /lff\n", t
    assert (h[0], h[2]) == (t[0], t[2])

    t, h = both(ports, "/empty")
    assert t[0] == 200 and t[2] == b"" and t[1]["x-e"] == "/empty" and "content-type" not in t[1], t
    assert (h[0], h[2], h[1]["x-e"]) == (t[0], t[2], t[1]["x-e"])

    t, h = both(ports, "/deny")
    assert t[0] == 403 and t[2] == b"no /deny" and t[1]["x-why"] == "denied", t
    assert (h[0], h[2], h[1]["x-why"]) == (t[0], t[2], t[1]["x-why"])


def errorfile(path, status, reason, tag):
    body = "<html>%s</html>\n" % tag
    path.write_text("HTTP/1.1 %d %s\r\ncontent-type: text/html\r\nx-tag: %s\r\ncontent-length: %d\r\n\r\n%s"
                    % (status, reason, tag, len(body), body))
    return str(path)


ERRORS_CFG = """
http-errors set1
    errorfile 403 F403A
    errorfile 404 F404A
http-errors set2
    errorfile 404 F404B
    errorfile 503 F503B
frontend fe
    bind 127.0.0.1:PORT
    errorfiles set1
    errorfiles set2 503
    http-error status 500 content-type text/plain hdr x-p "%[path]" lf-string "broken at %[path]"
    http-error status 400
    http-request deny deny_status 403 if { path /403 }
    http-request deny deny_status 404 if { path /404 }
    http-request deny deny_status 400 if { path /400 }
    http-request deny deny_status 500 if { path /500 }
    http-request return status 404 errorfiles set2 if { path /ret404 }
    http-request deny deny_status 404 errorfiles set2 if { path /deny404 }
    use_backend none if { path /503 }
backend none
"""


def test_http_errors_sections_errorfiles_and_http_error(tollgate, haproxy, tmp_path):
    """`errorfiles` copies an http-errors section's pages (all, or the codes
    named), `http-error` sets a page from `return`'s options (log-format
    ones rendered per request), `return ... errorfiles` and `deny ...
    errorfiles` pick a page."""
    cfg = ERRORS_CFG
    for name, st, reason in (("F403A", 403, "Forbidden"), ("F404A", 404, "Not Found"),
                             ("F404B", 404, "Not Found"), ("F503B", 503, "Service Unavailable")):
        cfg = cfg.replace(name, errorfile(tmp_path / name, st, reason, name))
    ports = start_both(tollgate, haproxy, cfg)
    for path, status, tag, body in (("/403", 403, "F403A", None), ("/404", 404, "F404A", None),
                                    ("/503", 503, "F503B", None), ("/ret404", 404, "F404B", None),
                                    ("/deny404", 404, "F404B", None),
                                    ("/400", 400, None, b""), ("/500", 500, None, b"broken at /500")):
        t, h = both(ports, path)
        assert (t[0], t[1].get("x-tag")) == (status, tag), (path, t)
        if body is not None:
            assert t[2] == body, (path, t)
        assert (h[0], h[1].get("x-tag"), h[2]) == (t[0], t[1].get("x-tag"), t[2]), (path, t, h)
    t, h = both(ports, "/500")
    assert t[1]["x-p"] == "/500" == h[1]["x-p"]


def test_errorfiles_of_an_unknown_section_is_an_error(tmp_path):
    from conftest import run_check
    rc, out, _ = run_check(HTTP_DEFAULTS + "frontend fe\n    bind 127.0.0.1:1\n    errorfiles nope\n", tmp_path)
    assert rc != 0 and "t.cfg:9" in out and "nope" in out, out
    rc, out, _ = run_check(HTTP_DEFAULTS + "frontend fe\n    bind 127.0.0.1:1\n    http-error status 999\n", tmp_path)
    assert rc != 0 and "t.cfg:9" in out and "http-error" in out, out


def raw_exchange(port, req):
    """Sends <req> on a new connection; returns all the bytes until the
    proxy closes (or 5 s)."""
    import socket
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(req)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    finally:
        s.close()
    return data


def test_replies_on_a_closing_connection_say_connection_close(tollgate, haproxy):
    """A client that asked for `Connection: close` (or spoke HTTP/1.0)
    gets `connection: close` in a reply the proxy writes, as from HAProxy:
    without it, a client such as wrk sends its next request on the
    connection being closed."""
    cfg = """
frontend fe
    bind 127.0.0.1:PORT
    http-request return status 200 content-type text/plain string ok if { path /ok }
    http-request deny if { path /deny }
"""
    ports = start_both(tollgate, haproxy, cfg)
    for req in (b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                b"GET /ok HTTP/1.0\r\n\r\n",
                b"GET /deny HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
        heads = {}
        for name, port in ports.items():
            out = raw_exchange(port, req)
            head = out.split(b"\r\n\r\n", 1)[0].lower().split(b"\r\n")
            heads[name] = head
            assert head.count(b"connection: close") == 1, (name, req, out)
        assert heads["tollgate"][0] == heads["haproxy"][0], heads
    # keep-alive: no such header, and the connection serves a second request
    two = b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    for name, port in ports.items():
        out = raw_exchange(port, two)
        first, second = out.split(b"HTTP/1.1 200", 2)[1:]
        assert b"connection: close" not in first.lower() and b"connection: close" in second.lower(), (name, out)


DEFAULTS_CFG = """
frontend fe
    bind 127.0.0.1:PORT
    timeout http-request 300ms
    http-request deny if { path /403 }
    http-request tarpit if { path /500 }
    timeout tarpit 10ms
    http-request deny deny_status 429 if { path /429 }
    http-request deny deny_status 404 if { path /404 }
    http-request deny deny_status 502 if { path /502 }
    use_backend none if { path /503 }
    default_backend down
backend none
backend down
    server s1 127.0.0.1:1
"""


def test_default_error_pages_are_haproxys(tollgate, haproxy):
    """Without errorfiles, the pages the proxy writes (deny, tarpit, a
    backend without server, a bad request, a request that does not come
    in time) are HAProxy's, byte for byte: status line, headers, body."""
    ports = start_both(tollgate, haproxy, DEFAULTS_CFG)
    # (Connection: close so that each exchange ends; without it both keep
    # the connection after a deny or tarpit: test_deny_keepalive.py)
    reqs = [b"GET /%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % p for p in (b"403", b"500", b"429", b"404", b"502", b"503")]
    for req in reqs:
        out = {name: raw_exchange(port, req) for name, port in ports.items()}
        assert out["tollgate"] == out["haproxy"], (req, out)
    # the connection's own errors: HAProxy 2.6 copies its raw text (names
    # capitalised, in another order), 3.x formats it as any message, so
    # the same status line, body and header fields but for name case/order
    for req in (b"GET / HTTP/1.1\r\nHost x\r\n\r\n",     # 400: a header without ':'
                b"GET / HTTP/1.1\r\nHost"):              # 408: incomplete at timeout http-request
        seen = {}
        for name, port in ports.items():
            head, body = raw_exchange(port, req).split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            seen[name] = (lines[0], sorted(l.lower() for l in lines[1:]), body)
        assert seen["tollgate"] == seen["haproxy"], (req, seen)
    assert seen["tollgate"][0] == b"HTTP/1.1 408 Request Time-out", seen
