"""`timeout client` does not cut a complete HTTP request short while it
waits for its server: through connection attempts to a refusing server
(`retries` with a 1 s turn-around each), or for a slow server's response
head. Compared with haproxy 2.6 on the same configuration: same answer,
same termination state and timers in the httplog line."""
import threading
import time

from conftest import free_port
from httpbackend import build, connect, read_response
from test_http_logs import HTTPLOG, cfg, line_of

BODY = """
    timeout client 1s
    option httplog
    default_backend be
backend be
    server a 127.0.0.1:%d
"""


def run_both(tollgate, haproxy, srv):
    """Sends one GET through tollgate and haproxy at once (both on the
    same configuration, towards port <srv>); returns {name: (status, elapsed s, log fields)}."""
    out = {}

    def one(name, starter):
        port = free_port()
        p = starter(cfg(port, BODY % srv), port=port)
        t0 = time.monotonic()
        with connect(port, timeout=10) as s:
            cport = s.getsockname()[1]
            s.sendall(build("/w"))
            status = read_response(s)[0]
        elapsed = time.monotonic() - t0
        m = HTTPLOG.match(line_of(p, cport))
        out[name] = (status, elapsed, m and m.groupdict())

    threads = [threading.Thread(target=one, args=a) for a in (("tollgate", tollgate), ("haproxy", haproxy))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert set(out) == {"tollgate", "haproxy"}, out
    return out


def test_refused_server_retries_outlast_client_timeout(tollgate, haproxy, dead_port):
    # default `retries 3`: 4 attempts, 3 turn-arounds of 1 s, longer than
    # `timeout client 1s`; the client still gets the 503 and the log says SC
    out = run_both(tollgate, haproxy, dead_port)
    for name, (status, elapsed, g) in out.items():
        assert g, (name, out)
        assert status == 503, (name, out)
        assert g["ST"] == "503" and g["tsc"][:2] == "SC", (name, g)
        assert g["rc"] == "3" and g["Tc"] == "-1" and g["Tr"] == "-1", (name, g)
        assert 2900 <= int(g["Ta"]) < 4000, (name, g)
        assert elapsed >= 2.9, (name, elapsed)
    t, h = out["tollgate"][2], out["haproxy"][2]
    assert (t["ST"], t["tsc"], t["rc"], t["Tc"], t["Tr"]) == (h["ST"], h["tsc"], h["rc"], h["Tc"], h["Tr"])


def test_slow_response_head_outlasts_client_timeout(tollgate, haproxy, http_backend):
    def slow(req):
        time.sleep(1.5)   # a server slower than timeout client: the case under test
        return 200, [("Content-Type", "text/plain")], b"late\n"
    b = http_backend("A", slow)
    out = run_both(tollgate, haproxy, b.port)
    for name, (status, elapsed, g) in out.items():
        assert g, (name, out)
        assert status == 200, (name, out)
        assert g["tsc"] == "----" and int(g["Tr"]) >= 1400, (name, g)
