"""`http-check set-var|set-var-fmt|unset-var` and the log-formats of
`http-check send` (uri-lf, body-lf, header values): the requests a server
receives from each stage of a multi-step check, compared with HAProxy
2.6's for the same configuration."""
from conftest import HTTP_DEFAULTS, free_port, run_check, wait_until
from test_http_check_send import Recorder


def config(port):
    # HAProxy's checks/http-check.vtc (backend be4), plus set-var-fmt, a
    # condition, a variable set after a send for the next stage, and
    # sample fetches of the checked server
    return HTTP_DEFAULTS + """
listen fe
    mode tcp
    bind 127.0.0.1:%d
    option httpchk
    http-check send-state
    http-check connect
    http-check set-var(check.server) "str(srv)"
    http-check set-var(check.path) "str(/req1)"
    http-check send meth GET uri-lf "%%[var(check.path)]" ver HTTP/1.1 hdr x-test "server=%%[var(check.server)]"
    http-check expect status 200
    http-check connect
    http-check unset-var(check.server)
    http-check set-var(check.path) "str(/req2)"
    http-check send meth GET uri-lf "%%[var(check.path)]" ver HTTP/1.1 hdr x-test "server=%%[var(check.server)]" body "health-check body"
    http-check expect rstatus "^2[0-9]{2}"
    http-check connect
    http-check set-var(check.path) "str(/req3)"
    http-check set-var-fmt(check.fmt) "%%[var(check.path)]-%%[srv_id]"
    http-check set-var(check.fmt,ifnotexists) "str(ignored)"
    http-check send meth GET uri-lf "%%[var(check.path)]" hdr x-fmt "%%[var(check.fmt)]" comment "third"
    http-check set-var(check.after) "str(set-after-send)"
    http-check expect rstatus "^2[0-9]{2}"
    http-check connect
    http-check unset-var(check.path)
    http-check send meth GET uri-lf "%%[var(check.path)]" hdr x-after "%%[var(check.after)]" body-lf "health-check on %%[be_name]-%%[srv_name] 100%%%%"
    server srv 127.0.0.1:%d check inter 300
""" % (free_port(), port)


EXPECTED = [
    ("GET /req1 HTTP/1.1", {"x-test": "server=srv", "connection": "close"}, b""),
    ("GET /req2 HTTP/1.1", {"x-test": "server=", "connection": "close", "content-length": "17"},
     b"health-check body"),
    ("GET /req3 HTTP/1.0", {"x-fmt": "/req3-1"}, b""),
    ("GET / HTTP/1.0", {"x-after": "set-after-send", "content-length": "27"}, b"health-check on fe-srv 100%"),
]


def run(start):
    s = Recorder()
    try:
        start(config(s.port))
        wait_until(lambda: len(s.requests) >= 8, 10, "two runs of the four-stage check")
        runs = []
        for line, fields, body in s.requests[:8]:
            state = fields.pop("x-haproxy-server-state")
            assert "name=fe/srv" in state
            runs.append((line, fields, body))
        return runs
    finally:
        s.stop()


def test_requests_match_haproxy(tollgate, haproxy):
    ours = run(tollgate)
    # the second run starts without the first one's variables
    assert ours == EXPECTED + EXPECTED
    assert run(haproxy) == ours


def test_bad_lines_are_refused(tmp_path):
    base = """
backend be
    option httpchk
    %s
    server srv 127.0.0.1:1 check
"""
    for line, msg in (
        ('http-check send uri-lf "%[nosuchfetch]"', "'http-check send' : 'uri-lf' : invalid log-format"),
        ('http-check send hdr x-a "%[var(check.a]"', "'hdr' : invalid log-format"),
        ("http-check set-var(check.a)", "expects a sample expression"),
        ("http-check set-var(nosuch.a) str(x)", "scope among proc, sess, txn, req, res and check"),
        ("http-check unset-var(check.a) extra", "unexpected word 'extra'"),
    ):
        rc, out, _ = run_check(base % line, tmp_path)
        assert rc != 0 and msg in out and "t.cfg:4" in out, (line, out)
    rc, out, _ = run_check("defaults\n    http-check set-var(check.a) str(x)\n", tmp_path)
    assert rc != 0 and "not supported yet in 'defaults' sections" in out, out
