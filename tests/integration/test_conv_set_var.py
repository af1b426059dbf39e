"""The set-var and unset-var converters, compared with HAProxy 2.6: the
sample passes on unchanged (its type kept), the variable is stored when
the conditions hold (no sample otherwise), unset-var removes it."""
from httpbackend import connect, read_response

from conftest import HTTP_DEFAULTS, free_port

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    http-request set-var(txn.out) req.hdr(x-a),set-var(txn.a),upper
    http-request set-var(txn.n) req.hdr(x-n),set-var(txn.m,ifnotexists)
    http-request set-var(txn.sum) int(5),set-var(txn.five),add(txn.five)
    http-request set-var(txn.empty) str(),set-var(txn.e,ifnotempty)
    http-request set-var(txn.gone) str(x),set-var(txn.g)
    http-request set-var(txn.kept) str(y),unset-var(txn.g)
    http-request set-var(txn.once) str(first),set-var(txn.o,ifnotexists)
    http-request set-var(txn.twice) str(second),set-var(txn.o,ifnotexists)
    http-response set-header x-out %%[var(txn.out)]
    http-response set-header x-a %%[var(txn.a)]
    http-response set-header x-m %%[var(txn.m)]
    http-response set-header x-n %%[var(txn.n)]
    http-response set-header x-sum %%[var(txn.sum)]
    http-response set-header x-e %%[var(txn.e)]
    http-response set-header x-empty %%[var(txn.empty),length]
    http-response set-header x-g %%[var(txn.g)]
    http-response set-header x-kept %%[var(txn.kept)]
    http-response set-header x-o %%[var(txn.o)]
    http-response set-header x-twice %%[var(txn.twice)]
    default_backend be

backend be
    server s1 127.0.0.1:%(b)d
"""

NAMES = ("x-out", "x-a", "x-m", "x-n", "x-sum", "x-e", "x-empty", "x-g", "x-kept", "x-o", "x-twice")
REQ = b"GET / HTTP/1.1\r\nHost: x\r\nX-A: hello\r\nX-N: 7\r\n\r\n"


def run(start, b):
    port = free_port()
    start(CFG % {"port": port, "b": b.port}, port=port)
    with connect(port) as s:
        s.sendall(REQ)
        _, hdrs, _, _ = read_response(s)
    return tuple(hdrs.get(n) for n in NAMES)


def test_set_var_converters_match_haproxy(tollgate, haproxy, http_backend):
    b = http_backend("A")
    got = run(tollgate, b)
    want = run(haproxy, b)
    assert got == want
    assert got[:5] == ("HELLO", "hello", "7", "7", "10")
    assert got[7:] == ("", "y", "first", "")


def test_set_var_converter_errors(tmp_path):
    from conftest import run_check
    for conv, word in (("set-var(txn.a,ifbogus)", "ifbogus"), ("set-var(nope.a)", "nope"),
                       ("unset-var()", "unset-var")):
        cfg = HTTP_DEFAULTS + "frontend fe\n    bind 127.0.0.1:9\n    http-request set-var(txn.x) str(a),%s\n" % conv
        rc, out, _ = run_check(cfg, tmp_path, "c.cfg")
        line = HTTP_DEFAULTS.count("\n") + 3
        assert rc != 0 and "c.cfg:%d]" % line in out and word in out, out
