"""req.body, req.body_len, req.body_size, req.body_param and res.body,
res.body_len, res.body_size seen from outside, side by side with the
reference HAProxy 2.6: rules read the body that `option
http-buffer-request` or a wait-for-body rule waited for (Content-Length
or chunked, one larger than the buffer included).
"""

import time

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import connect, read_response

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    option http-buffer-request
    http-request deny deny_status 403 if { req.body -m sub EVIL }
    http-request set-header x-user %%[req.body_param(user)]
    http-request set-header x-len %%[req.body_len]
    http-request set-header x-size %%[req.body_size]
    default_backend be
frontend fe2
    bind 127.0.0.1:%d
    http-request wait-for-body time 2s
    http-request deny deny_status 403 if { req.body -m sub EVIL }
    http-request set-header x-user %%[req.body_param(user)]
    http-request set-header x-size %%[req.body_size]
    default_backend be
backend be
    server s1 127.0.0.1:%d
frontend fe3
    bind 127.0.0.1:%d
    default_backend be3
backend be3
    http-response wait-for-body time 2s
    http-response deny deny_status 502 if { res.body -m sub SECRET }
    http-response set-header x-res-len %%[res.body_len]
    http-response set-header x-res-size %%[res.body_size]
    server s1 127.0.0.1:%d
"""

BIG = 40000   # larger than the 16 kB buffer


def post(port, parts, chunked=False):
    """POSTs the body made of <parts>, sent one after the other with a
    pause (as chunks if <chunked>); returns the status, or None if the
    proxy closed without one."""
    body = b"".join(parts)
    with connect(port) as s:
        if chunked:
            s.sendall(b"POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        else:
            s.sendall(b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
        for i, p in enumerate(parts):
            if i:
                time.sleep(0.05)
            s.sendall(b"%x\r\n%s\r\n" % (len(p), p) if chunked else p)
        if chunked:
            s.sendall(b"0\r\n\r\n")
        try:
            return read_response(s)[0]
        except (EOFError, ConnectionResetError):
            return None


def res_handler(req):
    body = b"x" * 100 + (b"SECRET" if req.path == "/secret" else b"") + b"y" * 10
    return 200, [("Content-Type", "text/plain")], body


def get(port, path):
    with connect(port) as s:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        st, hdrs, _, body = read_response(s)
        return st, hdrs.get("x-res-len"), hdrs.get("x-res-size"), len(body)


def test_body_fetches_agree_with_haproxy(tollgate, haproxy, http_backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        rb = http_backend(name + "r")
        rb.handler = res_handler
        p1, p2, p3 = free_port(), free_port(), free_port()
        start(CFG % (p1, p2, b.port, p3, rb.port), port=p1)
        got = [
            post(p1, [b"user=alice", b"&x=1"]),                   # 200, x-user alice
            post(p1, [b"a=1&EV", b"IL=2"]),                        # 403: all of the body is read
            post(p1, [b"user=", b"bob&k=v"], chunked=True),        # chunked: 200, x-user bob
            post(p1, [b"EVIL" + b"z" * (BIG - 4)]),                # larger than the buffer: 403
            post(p1, [b"user=big&", b"z" * BIG]),                  # 200, forwarded whole
            post(p1, [b"z" * BIG, b"&EVIL"]),                      # EVIL past the buffer: 200
            post(p2, [b"k=v&user=carol", b"&z"]),                  # read after a wait-for-body rule
            post(p2, [b"EV", b"IL"], chunked=True),                # 403
        ]
        got.append([(r.header("x-user"), r.header("x-size"), len(r.body)) for r in b.requests])
        got.append([r.header("x-len") for r in b.requests[:2]])
        got.append(get(p3, "/plain"))
        got.append(get(p3, "/secret")[0])
        seen[name] = got
    assert seen["tollgate"][:8] == [200, 403, 200, 403, 200, 200, 200, 403]
    assert seen["tollgate"][8] == [("alice", "14", 14), ("bob", "12", 12), ("big", str(BIG + 9), BIG + 9),
                                   ("", str(BIG + 5), BIG + 5), ("carol", "16", 16)]
    assert seen["tollgate"][9] == ["14", "12"]
    assert seen["tollgate"][10] == (200, "110", "110", 110)
    assert seen["tollgate"][11] == 502
    assert seen["tollgate"] == seen["haproxy"]


def test_body_param_flag_checked(tmp_path):
    from conftest import run_check
    rc, out, _ = run_check(HTTP_DEFAULTS + "listen l\n    bind 127.0.0.1:0\n"
                           "    http-request set-var(txn.u) req.body_param(user,x)\n", tmp_path)
    assert rc != 0 and "req.body_param" in out, out
