"""`healthcheck <name>` sections (HAProxy 3.x) and the `healthcheck`
server keyword: a server that names a section runs that section's check
(its `type`, `http-check` and `tcp-check` rules) instead of its backend's,
even when the backend has `option external-check`; the others keep the
backend's. Configuration errors name the file and line. HAProxy 2.6 has
no such section: tollgate alone is run."""
from conftest import free_port, run_check
from test_http_check import BASE, HttpResponder, op_state, stays_up

SECTIONS = """
healthcheck hc-get
    type httpchk
    http-check send meth GET uri /health ver HTTP/1.1 hdr host example.org
    http-check expect status 204

healthcheck hc-tcp
    type tcp-check
    tcp-check send "GET / HTTP/1.0\\r\\n\\r\\n"
    tcp-check expect rstring ^HTTP/1\\.[01]\\ 2
"""


def start(tmp_path, backend, tollgate, servers, lines, glob=()):
    """Starts listen `lb` with <lines> and <servers>, (name, responder,
    section or None); returns (tollgate, admin socket)."""
    sock = str(tmp_path / "admin.sock")
    port = free_port()
    text = (BASE % sock).replace("global\n", "global\n" + "".join("    %s\n" % g for g in glob), 1)
    text += SECTIONS + "listen lb\n    bind 127.0.0.1:%d\n    option log-health-checks\n" % port
    text += "".join("    %s\n" % line for line in lines)
    for name, resp, section in servers:
        b = backend(name, resp)
        text += "    server %s 127.0.0.1:%d check inter 50 fall 1 rise 1%s\n" % (
            name, b.port, " healthcheck " + section if section else "")
    return tollgate(text, port=port), sock


def test_server_runs_its_healthcheck_section_instead_of_the_backends(tmp_path, backend, tollgate):
    a = HttpResponder(204, "No Content")      # the hc-get section's check
    b = HttpResponder(204, "No Content")      # the backend's: 2xx or 3xx pass
    c = HttpResponder(204, "No Content")      # the hc-tcp section's rules
    t, sock = start(tmp_path, backend, tollgate, [("a", a, "hc-get"), ("b", b, None), ("c", c, "hc-tcp")],
                    ["option httpchk HEAD /backend"])
    stays_up(t, a, "a")
    stays_up(t, c, "c")
    assert a.last_request().startswith(b"GET /health HTTP/1.1\r\n"), a.last_request()
    assert b"host: example.org\r\n" in a.last_request()
    assert b.last_request().startswith(b"HEAD /backend HTTP/1.0\r\n"), b.last_request()
    assert c.last_request() == b"GET / HTTP/1.0\r\n\r\n"
    # the section's expect applies to a alone: 200 fails there, not for b
    a.set(200, "OK")
    b.set(200, "OK")
    t.wait_log('Server lb/a is DOWN, reason: Layer7 wrong status, code: 200, info: "OK"')
    assert op_state(sock, "b") == 2
    c.set(500, "Internal Server Error")
    t.wait_log("Server lb/c is DOWN, reason: Layer7 invalid response")


def test_healthcheck_section_replaces_the_backends_external_check(tmp_path, backend, tollgate):
    web = HttpResponder(204, "No Content")
    t, _ = start(tmp_path, backend, tollgate, [("a", web, "hc-get")],
                 ["option external-check", "external-check command /bin/false"],
                 ["external-check", "insecure-fork-wanted"])
    stays_up(t, web, "a")
    assert web.last_request().startswith(b"GET /health HTTP/1.1\r\n")
    assert "Health check for server lb/a succeeded, reason: Layer7 check passed, code: 204" in t.output()


def test_unknown_section_and_missing_type_name_the_line(tmp_path):
    rc, out, _ = run_check("""
defaults
    timeout connect 1s
    timeout client 1s
    timeout server 1s
backend be
    server s 127.0.0.1:80 check healthcheck nope
""", tmp_path)
    assert rc != 0
    assert "t.cfg:7" in out and "unable to find the healthcheck section 'nope'" in out, out
    rc, out, _ = run_check("healthcheck h\n    http-check expect status 200\n", tmp_path)
    assert rc != 0 and "healthcheck 'h'" in out and "has no 'type'" in out, out
    rc, out, _ = run_check("healthcheck h\n    type nosuch\n", tmp_path)
    assert rc != 0 and "t.cfg:2" in out and "unknown check type 'nosuch'" in out, out
