"""`server ... track [<backend>/]<server>`: a server following another's
health checks, compared with HAProxy 2.6."""
from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, run_check, wait_until, HAPROXY

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be

backend be
    server s1 127.0.0.1:%(dead)d check inter 100 fall 1 rise 1
    server s2 127.0.0.1:%(live)d track s1

backend other
    server o1 127.0.0.1:%(live)d track be/s2
"""


def status(sock):
    out = {}
    for line in admin_cli(sock, "show stat").splitlines():
        f = line.split(",")
        if len(f) > 17 and f[1] not in ("FRONTEND", "BACKEND", "svname"):
            out["%s/%s" % (f[0], f[1])] = f[17].split(" ")[0]
    return out


def scenario(start, tmp_path, tag, live):
    sock = str(tmp_path / ("%s.sock" % tag))
    p = start(CFG % {"sock": sock, "port": free_port(), "dead": free_port(), "live": live.port})
    wait_until(lambda: admin_ready(sock), what="admin socket")
    wait_until(lambda: status(sock).get("be/s1") == "DOWN", what="s1 down")
    wait_until(lambda: status(sock).get("other/o1") == "DOWN", what="o1 down")
    return status(sock), p


def test_tracking_follows_the_tracked_server(tollgate, haproxy, http_backend, tmp_path):
    live = http_backend("A")
    got, t = scenario(tollgate, tmp_path, "t", live)
    want, _ = scenario(haproxy, tmp_path, "h", live)
    assert got == want == {"be/s1": "DOWN", "be/s2": "DOWN", "other/o1": "DOWN"}
    t.wait_log("Server be/s2 is DOWN via be/s1.")
    t.wait_log("Server other/o1 is DOWN via be/s2.")


ERR = HTTP_DEFAULTS + """
backend be
    server s1 127.0.0.1:8001 %s
    server s2 127.0.0.1:8002 %s
"""


def test_tracking_errors_as_haproxy(tmp_path):
    cases = [
        (("check", "track nosuch"), "unable to find required server 'nosuch' for tracking."),
        (("check", "track nobe/s1"), "unable to find required proxy 'nobe' for tracking."),
        (("check", "check track s1"), "unable to enable checks and tracking at the same time!"),
        (("", "track s1"), "unable to use be/s1 for tracking as it does not have any check enabled."),
        (("track s2", "track s1"), "tracking chain looping back to"),
    ]
    for (o1, o2), msg in cases:
        cfg = ERR % (o1, o2)
        rc, out, path = run_check(cfg, tmp_path)
        assert rc != 0 and msg in out and "backend 'be', server 's" in out, out
        assert "%s:" % path in out, out
        rc, out, _ = run_check(cfg, tmp_path, binary=HAPROXY)
        assert rc != 0, (cfg, out)
    rc, out, _ = run_check(ERR % ("check", "track s1"), tmp_path)
    assert rc == 0, out
