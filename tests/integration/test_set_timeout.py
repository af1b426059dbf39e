"""set-timeout and the timeout fetches seen from outside: the values in
force for a request, compared with the reference HAProxy 2.6 where it has
them (server and tunnel, fe_client_timeout, be_server_timeout,
be_tunnel_timeout, cur_server_timeout, cur_tunnel_timeout); a backend
switched to brings its own timeouts back; connect, queue and tarpit (HAProxy
3.x) change what they bound.
"""

import time

from conftest import free_port
from httpbackend import build, connect, read_response

TIMEOUTS = """
defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s
    timeout tunnel 5s
"""

SHOW = ('    http-after-response set-header x-t "%%[fe_client_timeout] %%[be_server_timeout] %%[cur_server_timeout] '
        '%%[be_tunnel_timeout] %%[cur_tunnel_timeout]"\n')

CFG_26 = TIMEOUTS + """
listen li
    bind 127.0.0.1:%d
    http-request set-timeout server 3s
    http-request set-timeout tunnel int(2),mul(1000)
""" + SHOW + """
    server s1 127.0.0.1:%d
frontend fe
    bind 127.0.0.1:%d
""" + SHOW + """
    default_backend be
backend be
    http-request set-timeout server 4s if { path /b }
    server s1 127.0.0.1:%d
"""


def values(port, path="/"):
    with connect(port) as s:
        s.sendall(build(path))
        return read_response(s)[1].get("x-t")


def test_server_and_tunnel_agree_with_haproxy(tollgate, haproxy, http_backend):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        b = http_backend(name)
        p1, p2 = free_port(), free_port()
        start(CFG_26 % (p1, b.port, p2, b.port), port=p1)
        seen[name] = [values(p1), values(p2), values(p2, "/b")]
    assert seen["tollgate"] == ["5000 5000 3000 5000 2000", "5000 5000 5000 5000 5000",
                                "5000 5000 4000 5000 5000"]
    assert seen["tollgate"] == seen["haproxy"]


CFG_ALL = TIMEOUTS + """
    timeout tarpit 5s
listen li
    bind 127.0.0.1:%d
    http-request set-timeout client 3s
    http-request set-timeout server 3s
    http-request set-timeout tarpit 200ms
    http-request set-timeout connect 3s
    http-after-response set-header x-t "%%[cur_client_timeout] %%[cur_server_timeout] %%[cur_connect_timeout] %%[cur_queue_timeout] %%[cur_tarpit_timeout] %%[be_tarpit_timeout]"
    http-request tarpit if { path /tarpit }
    default_backend be
backend be
    http-request set-timeout queue 2s
    server s1 127.0.0.1:%d
"""


def test_connect_queue_tarpit(tollgate, http_backend):
    """The frontend's set-timeout server and connect give way to the
    backend's own values once it is chosen, tarpit stays (HAProxy 3.x);
    set-timeout tarpit shortens the tarpit."""
    b = http_backend("A")
    port = free_port()
    tollgate(CFG_ALL % (port, b.port), port=port)
    assert values(port) == "3000 5000 5000 2000 200 5000"
    t0 = time.monotonic()
    with connect(port) as s:
        s.sendall(build("/tarpit"))
        assert read_response(s)[0] == 500
    assert time.monotonic() - t0 < 2.0   # not the 5s of timeout tarpit


def test_set_timeout_names_refused(tmp_path):
    from conftest import run_check
    rc, out, _ = run_check(TIMEOUTS + "frontend f\n    bind 127.0.0.1:0\n    http-request set-timeout connect 1s\n", tmp_path)
    assert rc != 0 and "'set-timeout connect' : proxy 'f' has no backend capability" in out, out
    rc, out, _ = run_check(TIMEOUTS + "listen l\n    bind 127.0.0.1:0\n    http-request set-timeout foo 1s\n", tmp_path)
    assert rc != 0 and "unsupported timeout 'foo'" in out, out
