"""Many variables in one scope, side by side with the reference HAProxy
2.6: 100 txn variables whose values (2.5 kB in all) all come back, and 100
sess variables kept across the requests of a keep-alive connection.
HAProxy has no limit on their count.
"""

from conftest import HTTP_DEFAULTS, free_port
from httpbackend import connect, read_response

N = 100


def config(port):
    lines = [HTTP_DEFAULTS, "frontend fe", "    bind 127.0.0.1:%d" % port]
    for i in range(N):
        lines.append("    http-request set-var(txn.v%d) str(value-%03d-%s)" % (i, i, "x" * 15))
        lines.append("    http-request set-var(sess.s%d) int(%d) if { path /set }" % (i, i * 7))
    txn = ",".join("%%[var(txn.v%d)]" % i for i in range(N))
    sess = ",".join("%%[var(sess.s%d)]" % i for i in range(N))
    lines.append('    http-request return status 200 content-type text/plain lf-string "%s;%s"' % (txn, sess))
    return "\n".join(lines) + "\n"


def test_hundred_variables_agree_with_haproxy(tollgate, haproxy):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        port = free_port()
        start(config(port), port=port)
        bodies = []
        with connect(port) as s:
            for path in (b"/set", b"/get"):
                s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path)
                st, _, _, body = read_response(s)
                bodies.append((st, body))
        seen[name] = bodies
    want_txn = ",".join("value-%03d-%s" % (i, "x" * 15) for i in range(N))
    want_sess = ",".join(str(i * 7) for i in range(N))
    for st, body in seen["tollgate"]:
        assert st == 200
        assert body.decode() == want_txn + ";" + want_sess
    assert seen["tollgate"] == seen["haproxy"]
