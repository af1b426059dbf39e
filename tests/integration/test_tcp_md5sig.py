"""`tcp-md5sig <key>` on bind and server lines (RFC 2385 TCP MD5
signatures, Linux TCP_MD5SIG; HAProxy 3.x, unknown to 2.6): a listener
only completes handshakes signed with its key, a server connection signs
with the server's. A wrong key or a missing one on either side makes the
connection fail (the kernel drops the segments): 503 with `retries 0`."""
import socket

from conftest import HTTP_DEFAULTS, free_port, run_check
from httpbackend import get

CFG = HTTP_DEFAULTS.replace("timeout connect 2s", "timeout connect 200ms") + """
    retries 0
listen internal
    bind 127.0.0.1:%(md5)d tcp-md5sig mypass
    bind 127.0.0.1:%(plain)d
    http-request return status 200
listen fe
    bind 127.0.0.1:%(fe)d
    use-server s1 if { path /s1 }
    use-server s2 if { path /s2 }
    use-server s3 if { path /s3 }
    use-server s4 if { path /s4 }
    server s1 127.0.0.1:%(md5)d tcp-md5sig mypass
    server s2 127.0.0.1:%(md5)d tcp-md5sig badpass
    server s3 127.0.0.1:%(plain)d
    server s4 127.0.0.1:%(plain)d tcp-md5sig mypass
"""


def test_tcp_md5sig_signs_and_checks(tollgate):
    ports = {"md5": free_port(), "plain": free_port(), "fe": free_port()}
    tollgate(CFG % ports, port=ports["fe"])
    got = {p: get(ports["fe"], "/" + p)[0] for p in ("s1", "s2", "s3", "s4")}
    assert got == {"s1": 200, "s2": 503, "s3": 200, "s4": 503}
    # an unsigned client never completes the handshake with the md5 bind
    with socket.socket() as s:
        s.settimeout(0.5)
        try:
            s.connect(("127.0.0.1", ports["md5"]))
            connected = True
        except (socket.timeout, OSError):
            connected = False
    assert not connected


def test_tcp_md5sig_errors(tmp_path):
    base = HTTP_DEFAULTS + "listen li\n    bind 127.0.0.1:8080 BIND\n    server s1 127.0.0.1:8081 SRV\n"
    rc, out, _ = run_check(base.replace("BIND", "tcp-md5sig " + "k" * 81).replace("SRV", ""), tmp_path)
    assert rc != 0 and "t.cfg:8" in out and "'tcp-md5sig' : the key is longer than 80 characters" in out, out
    rc, out, _ = run_check(base.replace("BIND", "").replace("SRV", "tcp-md5sig " + "k" * 81), tmp_path)
    assert rc != 0 and "t.cfg:9" in out and "'tcp-md5sig' : the key is longer than 80 characters" in out, out
    rc, out, _ = run_check(base.replace("BIND", "").replace("SRV", "tcp-md5sig"), tmp_path)
    assert rc != 0 and "tcp-md5sig" in out, out
