"""The connection's own addresses (fc_src, fc_dst and ports, bc_src,
bc_dst and ports, *_is_local, fc_rcvd_proxy), with and without a PROXY
header, after set-src/set-dst, compared with HAProxy 2.6."""
from httpbackend import request

from conftest import HTTP_DEFAULTS, free_port

CFG = HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    bind 127.0.0.1:%(pport)d accept-proxy
    http-request set-src ipv4(192.0.2.7)
    http-request set-dst ipv4(192.0.2.8)
    http-response set-header x-src %%[src]
    http-response set-header x-fc-src %%[fc_src]:%%[fc_src_port]
    http-response set-header x-fc-dst %%[fc_dst]:%%[fc_dst_port]
    http-response set-header x-bc-src %%[bc_src]
    http-response set-header x-bc-dst %%[bc_dst]:%%[bc_dst_port]
    http-response set-header x-bc-port-ok %%[bc_src_port,bool]
    http-response set-header x-local %%[src_is_local]%%[dst_is_local]%%[fc_src_is_local]%%[fc_dst_is_local]
    http-response set-header x-pp %%[fc_rcvd_proxy]
    default_backend be

backend be
    server s1 127.0.0.1:%(b)d
"""

NAMES = ("x-src", "x-fc-src", "x-fc-dst", "x-bc-src", "x-bc-dst", "x-bc-port-ok", "x-local", "x-pp")
REQ = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def run(start, b):
    port, pport = free_port(), free_port()
    start(CFG % {"port": port, "pport": pport, "b": b.port}, port=port)
    out = []
    _, hdrs, _, _ = request(port, REQ)
    out.append(tuple(hdrs.get(n) for n in NAMES))
    pp = b"PROXY TCP4 10.1.2.3 127.0.0.1 1234 %d\r\n" % pport
    _, hdrs, _, _ = request(pport, pp + REQ)
    out.append(tuple(hdrs.get(n) for n in NAMES))
    return out, port, pport


def test_conn_addr_fetches_match_haproxy(tollgate, haproxy, http_backend):
    b = http_backend("A")
    got, port, pport = run(tollgate, b)
    want, hport, hpport = run(haproxy, b)
    # the client port differs from run to run, and so do the listening ports
    def norm(rows, p, pp):
        return [tuple((v or "").replace(":%d" % p, ":PORT").replace(":%d" % pp, ":PPORT") for v in r)
                for r in rows]
    gn, wn = norm(got, port, pport), norm(want, hport, hpport)
    def no_cport(rows):
        return [(r[0], r[1].split(":")[0]) + r[2:] for r in rows]
    assert no_cport(gn) == no_cport(wn)
    assert no_cport(gn)[0][:3] == ("192.0.2.7", "127.0.0.1", "127.0.0.1:PORT")
    # the socket's addresses, not the PROXY header's
    assert gn[1][0] == "192.0.2.7" and gn[1][2] == "127.0.0.1:PPORT"
    assert gn[1][1].startswith("127.0.0.1:") and gn[1][1] != "127.0.0.1:1234"
    assert gn[0][3:5] == ("127.0.0.1", "127.0.0.1:%d" % b.port)
    assert gn[0][5:] == ("1", "0011", "0") and gn[1][5:] == ("1", "0011", "1")
