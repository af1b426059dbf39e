"""http-request actions that rewrite the request, observed by the server
behind Tollgate and behind the reference HAProxy 2.6 on the same
configuration: set-pathq, replace-path, replace-pathq, replace-uri (with
back-references and log-format replacements) and the pathq fetch. Each
test checks what the server saw and that HAProxy sent the same."""

from conftest import HTTP_DEFAULTS, free_port
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
            assert st == 200, (name, st)
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
