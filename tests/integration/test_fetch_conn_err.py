"""fc_err/bc_err and their _str/_name forms, logged for a request that
succeeds, one whose server refuses the connection and one whose client
closes mid-request: Tollgate's log line and HAProxy 2.6's agree (2.6 has
no *_err_name: it is checked on Tollgate alone)."""
import re
import socket

from conftest import free_port, wait_until

FMT = "L %cp [%[fc_err]|%[fc_err_str]|%[bc_err]|%[bc_err_str]]"


def cfg(port, sport, dead, extra=""):
    return """
global
    log stdout format raw local0
defaults
    mode http
    log global
    retries 0
    timeout client 3s
    timeout server 3s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:%d
    log-format "%s%s"
    use_backend dead if { path /dead }
    default_backend be
backend be
    server a 127.0.0.1:%d
backend dead
    server d 127.0.0.1:%d
""" % (port, FMT, extra, sport, dead)


def send(port, data, close_early=False):
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    cport = c.getsockname()[1]
    c.sendall(data)
    if not close_early:
        while c.recv(65536):
            pass
    c.close()
    return cport


def run(start, http_backend, dead, extra=""):
    b = http_backend("A")
    port = free_port()
    t = start(cfg(port, b.port, dead, extra), port=port)
    ports = {
        "ok": send(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        "refused": send(port, b"GET /dead HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        "aborted": send(port, b"GET / HTTP/1.1\r\nHost: x\r\n", close_early=True),
    }
    out = {}
    for what, cport in ports.items():
        needle = re.compile(r"^L %d \[([^\]]*)\](.*)$" % cport, re.M)
        wait_until(lambda: needle.search(t.output()), 10, "log line of %s in:\n%s" % (what, t.output()))
        m = needle.search(t.output())
        out[what] = m.group(1) + m.group(2)
    return out


def test_conn_errors_agree_with_haproxy(tollgate, haproxy, http_backend, dead_port):
    ours = run(tollgate, http_backend, dead_port)
    theirs = run(haproxy, http_backend, dead_port)
    assert ours == theirs
    assert ours == {"ok": "0|Success|0|Success", "refused": "0|Success|-|-", "aborted": "0|Success|-|-"}


def test_err_name_is_empty_without_error(tollgate, http_backend, dead_port):
    out = run(tollgate, http_backend, dead_port, extra=" N<%[fc_err_name]><%[bc_err_name]>")
    assert out["ok"].endswith(" N<><>") and out["refused"].endswith(" N<><->"), out
