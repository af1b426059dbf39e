"""Variables of every scope seen from outside, side by side with the
reference HAProxy 2.6 on one configuration: proc variables are shared by
all connections, sess ones live as long as the client connection
(keep-alive requests see the previous request's value), txn, req and res
ones start empty with each request.
"""

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import build, connect, get, read_response

CONFIG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request set-var(sess.n) var(sess.n,0),add(1)
    http-request set-var(proc.hits) var(proc.hits,0),add(1)
    http-request set-var(txn.before) var(txn.t,none)
    http-request set-var(txn.t) path
    http-request set-var(req.len) path,length
    http-request set-var(req.tmp) str(gone)
    http-request unset-var(req.tmp)
    http-request set-var(txn.tmp) str(unset) if !{ var(req.tmp) -m found }
    http-response set-var(res.st) status
    http-response set-header x-vars "sess=%%[var(sess.n)] proc=%%[var(proc.hits)] txn=%%[var(txn.t)] before=%%[var(txn.before)] res=%%[var(res.st)] tmp=%%[var(txn.tmp)]"
    default_backend be
backend be
    server s1 127.0.0.1:%d
"""


def run(port):
    """Two keep-alive requests on one connection, one on another."""
    out = []
    with connect(port) as s:
        for path in ("/a", "/bb"):
            s.sendall(build(path))
            out.append(dict((n.lower(), v) for n, v in read_response(s)[2])["x-vars"])
    with connect(port) as s:
        s.sendall(build("/ccc"))
        out.append(dict((n.lower(), v) for n, v in read_response(s)[2])["x-vars"])
    return out


def test_scopes_agree_with_haproxy(tollgate, haproxy, http_backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        port = free_port()
        start(CONFIG % (port, b.port), port=port)
        seen[name] = run(port)
    assert seen["tollgate"] == [
        "sess=1 proc=1 txn=/a before=none res=200 tmp=unset",
        "sess=2 proc=2 txn=/bb before=none res=200 tmp=unset",
        "sess=1 proc=3 txn=/ccc before=none res=200 tmp=unset",
    ]
    assert seen["tollgate"] == seen["haproxy"]


CONFIG_SET = """
global
    set-var proc.twelve int(12)
    set-var proc.five var(proc.nothing,60),div(proc.twelve)
    set-var proc.str1 str("this is")
    set-var-fmt proc.str "%%[var(proc.str1)] a string"
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    tcp-request session set-var-fmt(sess.s3) "%%[var(proc.str1)] also"
    tcp-request session set-var(sess.five) var(proc.five)
    tcp-request session set-var(sess.n) var(sess.n,0),add(sess.five)
    tcp-request content set-var(txn.c) int(1)
    http-request set-var-fmt(txn.t) "%%[var(sess.s3),regsub(is,IS,g)]-%%[path]"
    http-request set-var(txn.k) int(7),mul(sess.five),sub(txn.nothing)
    http-request set-var(txn.m) int(7),mul(sess.five),add(proc.twelve)
    http-request set-var(txn.cc) str(x),concat(<,sess.five,>),concat(,proc.str1,),concat(|,txn.none,|)
    http-request set-var(txn.sc) "str(this),strcmp(proc.str1)"
    http-request set-var(txn.sc2) "str(thiz is),strcmp(proc.str1)"
    http-request set-var(txn.sm) "str('this is'),secure_memcmp(proc.str1)"
    http-request set-var(txn.sm2) "str('this iz'),secure_memcmp(proc.str1)"
    http-response set-header x-vars "%%[var(proc.str)] five=%%[var(sess.five)] n=%%[var(sess.n)] t=%%[var(txn.t)] k=%%[var(txn.k,none)] m=%%[var(txn.m)] cc=%%[var(txn.cc)] sc=%%[var(txn.sc)],%%[var(txn.sc2)] sm=%%[var(txn.sm)],%%[var(txn.sm2)]"
    default_backend be
backend be
    server s1 127.0.0.1:%d
"""


def test_global_tcp_and_fmt_agree_with_haproxy(tollgate, haproxy, http_backend):
    """Global set-var and set-var-fmt, tcp-request session and content
    set-var, http set-var-fmt, and variables as converter arguments (a
    missing one fails the expression)."""
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        port = free_port()
        start(CONFIG_SET % (port, b.port), port=port)
        seen[name] = run(port)
    # HAProxy 2.6 takes no variable in bytes(): its answer lacks that one
    seen["haproxy"] = [v.replace(" by=", "") for v in seen["haproxy"]]
    assert seen["tollgate"][0] == "this is a string five=5 n=5 t=thIS IS also-/a k=none m=47 cc=x<5>this is|| sc=-1,7 sm=1,0"
    assert seen["tollgate"] == seen["haproxy"]


def test_bad_variable_names_are_refused(tmp_path):
    from conftest import run_check
    for line, why in (
        ("http-request set-var(foo.x) int(1)", "'set-var(foo.x)' : variable 'foo.x' must be named '<scope>.<name>'"),
        ("tcp-request content set-var-fmt(txn.a-b) x", "variable 'txn.a-b': invalid character '-'"),
        ("http-request set-header x %[int(1),add(nope.x)]", "variable 'nope.x' must be named"),
    ):
        cfg = HTTP_DEFAULTS + "frontend fe\n    bind 127.0.0.1:%d\n    %s\n" % (free_port(), line)
        rc, out, _ = run_check(cfg, tmp_path)
        assert rc != 0 and "t.cfg:9" in out and why in out, out
    rc, out, _ = run_check("global\n    set-var txn.x int(1)\n", tmp_path)
    assert rc != 0 and "t.cfg:2" in out and "only the 'proc' scope" in out, out


def test_admin_socket_get_and_set_var_agree_with_haproxy(tollgate, haproxy, http_backend, tmp_path):
    """`get var` prints a proc variable as HAProxy does; `set var` (with
    HAProxy's experimental-mode prefix) changes what the rules see."""
    from conftest import ADMIN_GLOBAL, admin_cli, admin_ready, wait_until
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        sock = str(tmp_path / (name + ".sock"))
        b = http_backend(name)
        port = free_port()
        start(ADMIN_GLOBAL % {"sock": sock} + """
    set-var proc.n int(5)
    set-var proc.s str(hello)
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-response set-header x-p "%%[var(proc.s)]"
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, b.port), port=port)
        wait_until(lambda: admin_ready(sock), what="admin socket")
        out = [admin_cli(sock, "get var proc.n"), admin_cli(sock, "get var proc.s"),
               admin_cli(sock, "get var proc.none"), admin_cli(sock, "get var txn.x")]
        out.append(admin_cli(sock, "experimental-mode on; set var proc.s str(updating); "
                                   "set var proc.s fmt %[var(proc.s),regsub(ing,ed)]"))
        out.append(admin_cli(sock, "get var proc.s"))
        out.append(dict((n.lower(), v) for n, v in get(port)[2])["x-p"])
        seen[name] = out
    # HAProxy 2.6 ends a successful get var without the blank line that
    # ends every other answer; Tollgate ends them all alike
    for name in seen:
        seen[name] = [o.rstrip("\n") for o in seen[name]]
    assert seen["tollgate"][0] == "proc.n: type=sint value=<5>"
    assert seen["tollgate"][5] == "proc.s: type=str value=<updated>"
    assert seen["tollgate"][6] == "updated"
    assert seen["tollgate"] == seen["haproxy"]


def test_bytes_with_variable_arguments(tollgate, http_backend):
    """bytes(<offset>,<length>) takes variables (HAProxy 2.7+; 2.6 refuses
    them, so no side-by-side run); an unset one gives no value."""
    b = http_backend()
    port = free_port()
    tollgate(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request set-var(txn.off) int(5)
    http-request set-var(txn.by) str(0123456789),bytes(txn.off,2)
    http-request set-var(txn.none) str(0123456789),bytes(txn.unset),length
    http-response set-header x-by "%%[var(txn.by)] %%[var(txn.none,unset)]"
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, b.port), port=port)
    assert dict((n.lower(), v) for n, v in get(port)[2])["x-by"] == "56 unset"


def test_set_var_conditions(tollgate, http_backend, tmp_path):
    """set-var(<var>,<cond>...) stores only when every condition holds
    (HAProxy 2.7+, so no side-by-side run with 2.6); an unknown condition
    is refused with file:line."""
    from conftest import run_check
    b = http_backend()
    port = free_port()
    tollgate(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request set-var(txn.a,ifnotexists) str(first)
    http-request set-var(txn.a,ifnotexists) str(second)
    http-request set-var(txn.b,ifexists) str(never)
    http-request set-var(txn.a,ifexists,ifnotempty) str(third)
    http-request set-var(txn.a,ifempty) str(fourth)
    http-request set-var(txn.n) int(10)
    http-request set-var(txn.n,ifgt) int(20)
    http-request set-var(txn.n,ifgt) int(5)
    http-request set-var(txn.m) int(10)
    http-request set-var(txn.m,iflt) int(20)
    http-request set-var-fmt(txn.f,ifnotexists) "fmt-%%[path]"
    http-response set-header x-c "a=%%[var(txn.a)] b=%%[var(txn.b,unset)] n=%%[var(txn.n)] m=%%[var(txn.m)] f=%%[var(txn.f)]"
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, b.port), port=port)
    assert dict((n.lower(), v) for n, v in get(port, path="/p")[2])["x-c"] == \
        "a=third b=unset n=5 m=20 f=fmt-/p"
    rc, out, _ = run_check(HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    http-request set-var(txn.a,ifsomething) int(1)
""" % free_port(), tmp_path)
    assert rc != 0 and "t.cfg:10" in out and "unknown condition 'ifsomething'" in out, out
