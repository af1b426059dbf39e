"""The multiplexer's view of a stream and of its connections (HAProxy 3.x
fetches, absent from 2.6: no side-by-side comparison): fs.id / fs.aborted /
fs.rst_code for the client side, bs.aborted / bs.rst_code for the server
side, bc_nb_streams / bc_settings_streams_limit / bc_glitches for the
server connection (doc/configuration.md, "Connection fetches"). Values are
observed by the client (response headers) or in the log line.
"""
import socket
import struct
import subprocess
import threading

import pytest

from conftest import HTTP_DEFAULTS, free_port, wait_until
from h2server import H2Server
import httpbackend as hb
from test_h2_attacks import Attacker, frame, req_block, HEADERS, RST_STREAM, END_HEADERS, END_STREAM


CFG = """
global
    nbthread 1
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(p1)d
    bind 127.0.0.1:%(p2)d proto h2
    log stdout format raw local0
    log-format "LOG %%HP fs=%%[fs.id],%%[fs.aborted],%%[fs.rst_code] bs=%%[bs.aborted],%%[bs.rst_code] st=%%ST"
    http-response set-header x-fs "%%[fs.id] %%[fs.aborted]"
    http-response set-header x-bc "%%[bc_nb_streams] %%[bc_settings_streams_limit] %%[bc_glitches] %%[bs.aborted]"
    use_backend h2 if { path_beg /h2 } || { path /rst }
    default_backend h1
backend h1
    server s1 127.0.0.1:%(h1)d
backend h2
    server s2 127.0.0.1:%(h2)d proto h2
"""


@pytest.fixture
def h2srv():
    s = H2Server(max_streams=7)
    yield s
    s.stop()


def curl(*args):
    r = subprocess.run(["curl", "-sS", "--max-time", "5", "-D", "-", "-o", "/dev/null"] + list(args),
                       capture_output=True, text=True, timeout=15)
    return [l.split(":", 1)[1].strip() for l in r.stdout.splitlines() if l.lower().startswith(("x-fs:", "x-bc:"))]


def start(tollgate, backend, h2srv):
    p1, p2 = free_port(), free_port()
    proc = tollgate(CFG % dict(p1=p1, p2=p2, h1=backend.port, h2=h2srv.port), port=p1)
    return proc, p1, p2


def test_stream_ids_and_server_connection_streams(tollgate, http_backend, h2srv):
    proc, p1, p2 = start(tollgate, http_backend(), h2srv)
    # HTTP/1.1 keep-alive: fs.id counts the earlier requests of the
    # connection; the HTTP/1 server connection: 1 stream, limit 1
    assert curl("--http1.1", "http://127.0.0.1:%d/a" % p1, "http://127.0.0.1:%d/b" % p1) == \
        ["0 0", "1 1 0 0", "1 0", "1 1 0 0"]
    # HTTP/2 client: the stream id; the HTTP/2 server: its
    # SETTINGS_MAX_CONCURRENT_STREAMS
    assert curl("--http2-prior-knowledge", "http://127.0.0.1:%d/h2a" % p2) == ["1 0", "1 7 0 0"]
    assert curl("--http1.1", "http://127.0.0.1:%d/h2b" % p1) == ["0 0", "1 7 0 0"]


def test_server_reset_seen_by_bs_rst_code(tollgate, http_backend, h2srv):
    proc, p1, p2 = start(tollgate, http_backend(), h2srv)
    st, _, _, _ = hb.get(p1, "/rst")
    assert st == 502
    wait_until(lambda: "LOG /rst" in proc.output(), 5, "the log line in:\n%s" % proc.output())
    line = [l for l in proc.output().splitlines() if "LOG /rst" in l][0]
    # the server's RST_STREAM INTERNAL_ERROR (2), kept past the close of
    # its stream; the HTTP/1.1 client reset nothing: no fs.rst_code
    assert "fs=0,0,- bs=1,2 st=502" in line, line
    # a later request does not see it
    st, _, _, _ = hb.get(p1, "/h2c")
    wait_until(lambda: "LOG /h2c" in proc.output(), 5, "the log line in:\n%s" % proc.output())
    assert "LOG /h2c fs=0,0,- bs=0,- st=200" in proc.output(), proc.output()


def test_client_reset_seen_by_fs_rst_code(tollgate, h2srv):
    """An HTTP/2 client resets its stream (RST_STREAM CANCEL) while the
    server has not answered: the log line shows fs.aborted and the code."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held = []
    threading.Thread(target=lambda: held.append(srv.accept()[0]), daemon=True).start()
    p1, p2 = free_port(), free_port()
    proc = tollgate(CFG % dict(p1=p1, p2=p2, h1=srv.getsockname()[1], h2=h2srv.port), port=p1)
    a = Attacker(p2)
    a.send(frame(HEADERS, END_HEADERS | END_STREAM, 1, req_block(a.enc, "/slow")))
    wait_until(lambda: held, 5, "the server connection")
    a.send(frame(RST_STREAM, 0, 1, struct.pack(">I", 8)))
    # an HTTP/2 request's %HP is its absolute URI
    wait_until(lambda: "LOG http://x/slow" in proc.output(), 10, "the log line in:\n%s" % proc.output())
    a.s.close()
    held[0].close()
    srv.close()
    assert "LOG http://x/slow fs=1,1,8 bs=0,- " in proc.output(), proc.output()
