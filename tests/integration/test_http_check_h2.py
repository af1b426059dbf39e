"""HTTP checks over HTTP/2: `check-proto h2`, or a `proto h2` server
without `check-proto`. An HAProxy 2.6 listener speaking HTTP/2 (prior
knowledge) serves the checks and logs each request it receives; the
requests and the check results of tollgate and of haproxy 2.6 checking
it are compared."""
import re

from conftest import HTTP_DEFAULTS, free_port, wait_until

SERVER = """
global
    log stdout format raw local0
""" + HTTP_DEFAULTS + """
listen h2
    bind 127.0.0.1:%d proto h2
    log global
    option http-buffer-request
    http-request set-var(txn.h) req.hdr(host)
    http-request set-var(txn.a) req.hdr(x-a)
    http-request set-var(txn.b) req.body
    log-format "REQ %%HM %%HU %%[var(txn.h)] x-a=%%[var(txn.a)] body=%%[var(txn.b)]"
    http-request return status 200 content-type text/plain string "h2 alive" if { path /status }
    http-request return status 404
"""

CHECKER = HTTP_DEFAULTS + """
    option log-health-checks
frontend fe
    bind 127.0.0.1:%(port)d
backend proto
    option httpchk
    server srv 127.0.0.1:%(h2)d proto h2 check inter 300 rise 1 fall 1
backend chkproto
    option httpchk GET /status HTTP/1.1
    http-check send hdr host www.example.org hdr x-a 1 body "ping"
    http-check expect string "h2 alive"
    server srv 127.0.0.1:%(h2)d check check-proto h2 inter 300 rise 1 fall 1
backend h1
    option httpchk GET /status
    server srv 127.0.0.1:%(h2)d proto h2 check check-proto h1 inter 300 rise 1 fall 1
"""


def run(start, haproxy, name):
    h2 = free_port()
    srv = haproxy(SERVER % h2, port=h2, name="srv-%s.cfg" % name)
    port = free_port()
    t = start(CHECKER % {"port": port, "h2": h2}, port=port)
    for be in ("proto", "chkproto", "h1"):
        wait_until(lambda: "Health check for server %s/srv" % be in t.output(), 10, "the check of " + be)
    results = sorted(re.sub(r", check duration: \d+ms", "", l)
                     for l in t.output().splitlines() if "Health check for server" in l)
    wait_until(lambda: "REQ OPTIONS" in srv.output() and "REQ GET" in srv.output(), 10, "the server's logs")
    reqs = sorted({l for l in srv.output().splitlines() if l.startswith("REQ ") and "BADREQ" not in l})
    return [re.sub(r"^\[\w+\] +\(\d+\) : ", "", l) for l in results], reqs


def test_h2_checks_match_haproxy(tollgate, haproxy):
    ours = run(tollgate, haproxy, "t")
    assert ours[0] == [
        "Health check for server chkproto/srv succeeded, reason: Layer7 check passed, code: 200, status: 1/1 UP.",
        # the HTTP/1 check to an HTTP/2-only listener: no answer
        "Health check for server h1/srv failed, reason: Layer7 invalid response, info: \"empty response\", status: 0/1 DOWN.",
        "Health check for server proto/srv failed, reason: Layer7 wrong status, code: 404, status: 0/1 DOWN.",
    ], ours
    assert ours[1] == [
        # origin form: the host field, no :authority
        "REQ GET /status www.example.org x-a=1 body=ping",
        "REQ OPTIONS / - x-a=- body=-",
    ], ours
    theirs = run(haproxy, haproxy, "h")
    assert theirs[1] == ours[1]
    assert theirs[0][0] == ours[0][0] and theirs[0][2] == ours[0][2], theirs
