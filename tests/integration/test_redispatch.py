"""`option redispatch [<interval>]` on connection retries and `retry-on`
resends, side by side with the reference HAProxy 2.6: which retry goes to
another server (a dead one refusing connections, a live one answering),
seen in the logs' %rc ('+' when a retry went elsewhere) and %s.
"""

from conftest import free_port, wait_until
from httpbackend import build, connect, read_response

CFG = """
global
    log stdout format raw local0
defaults
    mode http
    log global
    timeout client 5s
    timeout server 5s
    timeout connect 200ms
    log-format "rd %%HP %%rc %%s %%ST"
frontend fe
    bind 127.0.0.1:%(port)d
    use_backend rr if { path_beg /rr }
    use_backend last if { path /last }
    use_backend every2 if { path /every2 }
    use_backend none if { path /none }
    use_backend l7 if { path /l7 }
    use_backend l7none if { path /l7none }
backend rr
    retries 3
    option redispatch
    server dead 127.0.0.1:%(dead)d
    server good 127.0.0.1:%(good)d
backend last
    retries 3
    option redispatch
    use-server dead if TRUE
    server good 127.0.0.1:%(good)d
    server dead 127.0.0.1:%(dead)d
backend every2
    retries 3
    option redispatch 2
    use-server dead if TRUE
    server good 127.0.0.1:%(good)d
    server dead 127.0.0.1:%(dead)d
backend none
    retries 2
    use-server dead if TRUE
    server good 127.0.0.1:%(good)d
    server dead 127.0.0.1:%(dead)d
backend l7
    retries 2
    retry-on 503
    option redispatch 1
    use-server bad if TRUE
    server good 127.0.0.1:%(good)d
    server bad 127.0.0.1:%(bad)d
backend l7none
    retries 2
    retry-on 503
    use-server bad if TRUE
    server good 127.0.0.1:%(good)d
    server bad 127.0.0.1:%(bad)d
"""

PATHS = ["/rr1", "/rr2", "/last", "/every2", "/none", "/l7", "/l7none"]


def log_lines(p):
    """The log lines of the requests of PATHS: {path: [%rc, %s, %ST]}."""
    words = [l.split() for l in p.output().splitlines() if l.startswith("rd ")]
    return {w[1]: w[2:] for w in words if w[1] in PATHS}


def test_redispatch_agrees_with_haproxy(tollgate, haproxy, http_backend, dead_port):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        good = http_backend("good")
        bad = http_backend("bad", lambda req: (503, [], b"no\n"))
        port = free_port()
        p = start(CFG % {"port": port, "dead": dead_port, "good": good.port, "bad": bad.port}, port=port)
        statuses = []
        for path in PATHS:
            with connect(port) as s:
                s.sendall(build(path))
                statuses.append(read_response(s)[0])
        wait_until(lambda: len(log_lines(p)) == len(PATHS), 5, "%s's log lines: %s" % (name, p.output()))
        lines = log_lines(p)
        seen[name] = (statuses, lines, len(bad.requests))
    for name in ("tollgate", "haproxy"):
        statuses, lines, bad_count = seen[name]
        assert statuses == [200, 200, 200, 200, 503, 200, 503], name
        # round robin with two servers up: a failed connection goes to the
        # other server at once, whichever the balancing picked first (the
        # two round robins may differ in where they go on after it)
        for path in ("/rr1", "/rr2"):
            assert lines[path][1:] == ["good", "200"] and lines[path][0] in ("0", "+1"), (name, lines)
        assert "+1" in (lines["/rr1"][0], lines["/rr2"][0]), (name, lines)
        assert [lines[p] for p in PATHS[2:]] == [
            ["+3", "good", "200"],     # persistence: the last retry only
            ["+2", "good", "200"],     # redispatch 2: the second retry
            ["2", "dead", "503"],      # no redispatch: the same server
            ["+1", "good", "200"],     # retry-on 503, redispatch 1: the first resend elsewhere
            ["2", "bad", "503"],       # retry-on without redispatch: the same server
        ], (name, lines)
        assert bad_count == 1 + 3, name
