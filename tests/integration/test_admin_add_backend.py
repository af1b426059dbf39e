"""Dynamic backends (HAProxy 3.x): the admin socket's `add backend <name>
from <defaults> [mode <mode>]` and `show defaults`. A new backend takes the
named defaults section's settings, starts unpublished and empty; `add
server` fills it, `publish backend` opens it to content switching. HAProxy
2.6 has none of this: the answers are 3.x's (management.txt and the
reg-test proxy/cli_add_backend)."""
import threading

from httpbackend import connect, read_response, request

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, wait_until

CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    force-be-switch if { req.hdr(x-force) 1 }
    use_backend %%[req.hdr(x-be)]
    default_backend fallback

backend fallback
    http-request return status 200 hdr x-be %%[be_name]

defaults def

defaults def_http
    mode http
    timeout connect 2s
    timeout server 5s
"""


def test_add_backend_then_publish(tollgate, tmp_path, http_backend):
    sock = str(tmp_path / "t.sock")
    port = free_port()
    srv = http_backend("S")
    tollgate(CFG % {"sock": sock, "port": port}, port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    cli = lambda cmd: admin_cli(sock, cmd).strip()

    def get(*hdrs):
        raw = "GET / HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n" % "".join("%s\r\n" % h for h in hdrs)
        status, h, _, body = request(port, raw.encode())
        return status, h.get("x-be"), body

    assert cli("show defaults") == "def\ndef_http"
    assert cli("add backend be from unknown") == "Cannot find default proxy 'unknown'."
    assert cli("add backend be from def") == \
        "Mode is required as 'def' default proxy does not explicitly defines it."
    assert cli("add backend be from def mode udp") == "Unknown proxy mode."
    assert cli("add backend be from def mode log") == \
        "Dynamic backends are compatible with only TCP or HTTP mode."
    assert cli("add backend b/e from def_http") == "Invalid character '/' in backend name."
    assert cli("add backend be") == "Usage: add backend <name> from <defproxy>."
    assert cli("add backend fallback from def_http") == \
        "Error during backend creation : name is already used by other proxy 'backend fallback'."
    assert cli("add backend be from def_http") == "New backend registered."
    assert cli("add backend be2 from def mode tcp") == "New backend registered."
    assert cli("add backend be from def_http") == \
        "Error during backend creation : name is already used by other proxy 'backend be'."

    # unpublished: the computed use_backend passes it over
    assert get("x-be: be")[1] == "fallback"
    assert cli("add server be/s1 127.0.0.1:%d" % srv.port) == "New server registered."
    cli("enable server be/s1")
    # forced: the new backend serves through its new server
    status, xbe, body = get("x-be: be", "x-force: 1")
    assert (status, xbe, body) == (200, None, b"S GET /\n")
    assert cli("publish backend be") == "Backend published."
    status, _, body = get("x-be: be")
    assert (status, body) == (200, b"S GET /\n")
    assert any(line.startswith("be,BACKEND,") for line in cli("show stat").split("\n"))


def test_add_backend_while_serving(tollgate, tmp_path, http_backend):
    """Backends added while other threads route requests: the index the
    workers search changes under thread isolation; no request fails."""
    sock = str(tmp_path / "t.sock")
    port = free_port()
    srv = http_backend("S")
    tollgate(CFG.replace("global\n", "global\n    nbthread 4\n", 1) % {"sock": sock, "port": port}, port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    stop = threading.Event()
    bad = []

    def load():
        while not stop.is_set():
            status, _, _ = get_status(port)
            if status != 200:
                bad.append(status)

    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(40):
            assert admin_cli(sock, "add backend dyn%d from def_http" % i).strip() == "New backend registered."
            admin_cli(sock, "add server dyn%d/s 127.0.0.1:%d" % (i, srv.port))
            admin_cli(sock, "enable server dyn%d/s" % i)
            admin_cli(sock, "publish backend dyn%d" % i)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not bad
    for i in (0, 39):
        raw = "GET / HTTP/1.1\r\nHost: x\r\nx-be: dyn%d\r\nConnection: close\r\n\r\n" % i
        status, _, _, body = request(port, raw.encode())
        assert (status, body) == (200, b"S GET /\n")


def get_status(port):
    raw = b"GET / HTTP/1.1\r\nHost: x\r\nx-be: dyn0\r\nConnection: close\r\n\r\n"
    status, h, _, body = request(port, raw)
    return status, h, body


def test_routed_on_one_connection(tollgate, tmp_path):
    """HAProxy's proxy/cli_add_backend.vtc: on one client connection, a
    request for an unpublished backend gets a 503 (no default backend)
    and the connection stays open; the next one, forced, is served by the
    backend's new server; once published, it serves without force."""
    sock = str(tmp_path / "t.sock")
    port = free_port()
    cfg = CFG.replace("    default_backend fallback\n", "")
    tollgate(cfg % {"sock": sock, "port": port}, port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    srv_port = free_port()
    tollgate(HTTP_DEFAULTS + """
frontend srv
    bind 127.0.0.1:%d
    http-request return status 200
""" % srv_port, port=srv_port, name="srv.cfg")
    cli = lambda cmd: admin_cli(sock, cmd).strip()

    def get(s, *hdrs):
        s.sendall(("GET / HTTP/1.1\r\nHost: x\r\n%s\r\n" % "".join("%s\r\n" % h for h in hdrs)).encode())
        status, h, _, _ = read_response(s)
        return status, h.get("connection")

    assert cli("add backend be from def_http") == "New backend registered."
    assert cli("add server be/srv 127.0.0.1:%d" % srv_port) == "New server registered."
    cli("enable server be/srv")
    with connect(port) as s:
        assert get(s, "x-be: be") == (503, None)
        assert get(s, "x-be: be", "x-force: 1") == (200, None)
    assert cli("publish backend be") == "Backend published."
    with connect(port) as s:
        assert get(s, "x-be: be") == (200, None)
