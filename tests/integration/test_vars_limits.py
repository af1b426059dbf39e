"""tune.vars.{proc,sess,txn,reqres}-max-size, side by side with the
reference HAProxy 2.6: a variable costs a fixed size plus its string bytes
in its scope and every coarser one; a set-var that would pass a limit is
not stored (what the rules then see is compared with an exact string
match: HAProxy 2.6 leaves a boolean behind when the string alone does not
fit)."""

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import build, connect, read_response


def val(c, n):
    return c * n


SETS = {
    # proc (first: proc variables stay, and count in the later requests):
    # 380 fits 1200, 380 + 980 does not
    "/proc": [("proc.p", val("p", 300)), ("proc.q", val("q", 900))],
    # txn: 180 + 180 fit 400, a third does not
    "/txn": [("txn.a", val("a", 100)), ("txn.b", val("b", 100)), ("txn.c", val("c", 100))],
    # reqres: 280 > 250: a boolean of 80 stays in its place; then 80 + 180
    # passes 250 too (another boolean), while 80 + 80 + 80 + 10 fits
    "/reqres": [("req.r", val("r", 200)), ("req.s", val("s", 100)), ("req.t", val("t", 10))],
    # sess: 380 fits 500; a txn variable of 180 more does not
    "/sess": [("sess.x", val("x", 300)), ("txn.y", val("y", 100))],
}


def cfg(port, srv):
    lines = ["global", "    tune.vars.txn-max-size 400", "    tune.vars.reqres-max-size 250",
             "    tune.vars.sess-max-size 500", "    tune.vars.proc-max-size 1200", HTTP_DEFAULTS,
             "frontend fe", "    bind 127.0.0.1:%d" % port]
    for path, sets in SETS.items():
        for name, v in sets:
            lines.append("    http-request set-var(%s) str(%s) if { path %s }" % (name, v, path))
    for path, sets in SETS.items():
        for name, v in sets:
            lines.append("    http-request set-header x-%s 1 if { var(%s) -m str %s }" % (name, name, v))
    lines += ["    default_backend be", "backend be", "    server s1 127.0.0.1:%d" % srv]
    return "\n".join(lines) + "\n"


def test_vars_limits_agree_with_haproxy(tollgate, haproxy, http_backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        port = free_port()
        start(cfg(port, b.port), port=port)
        for path in SETS:
            with connect(port) as s:
                s.sendall(build(path))
                assert read_response(s)[0] == 200
        seen[name] = {r.path: sorted(n[2:] for n, _ in r.headers if n.lower().startswith("x-"))
                      for r in b.requests}
    assert seen["tollgate"] == {"/proc": ["proc.p"], "/txn": ["proc.p", "txn.a", "txn.b"],
                                "/reqres": ["proc.p", "req.t"], "/sess": ["proc.p", "sess.x"]}
    assert seen["tollgate"] == seen["haproxy"]


def test_vars_limit_refused_when_not_a_number(tmp_path):
    from conftest import run_check
    rc, out, _ = run_check("global\n    tune.vars.txn-max-size 10k\n", tmp_path)
    assert rc != 0 and "t.cfg:2" in out and "tune.vars.txn-max-size: '10k' is an invalid size" in out, out
