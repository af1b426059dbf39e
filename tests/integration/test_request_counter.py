"""The process-wide request counter (HAProxy's global.req_count): the
log's %rt and the txn.id32 fetch (doc/configuration.md). Each stream takes
a number from 0, and each request of a keep-alive connection after its
first, as each is a stream in HAProxy. %rt is compared with HAProxy 2.6
(which lacks txn.id32)."""
import pytest

from conftest import HTTP_DEFAULTS, free_port, wait_until
import httpbackend as hb


# a frontend that logs to stdout (its log-format follows)
HEAD = """
global
    nbthread 1
""" + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d
    log stdout format raw local0
"""

CFG = HEAD + """    log-format "RT %%HP %%rt %%{+X}o%%rt"
    http-request return status 200 content-type text/plain lf-string "ok"
"""


def keepalive(port, paths):
    """Sends a GET for each of <paths> on one connection; each is answered
    200."""
    c = hb.connect(port)
    for path in paths:
        c.sendall(hb.build(path))
        assert hb.read_response(c)[0] == 200, path
    c.close()


def start_with_server(starter, http_backend, cfg):
    """Starts <cfg> (%(port)d, %(srv)d: an HTTP server); returns (proc, port)."""
    port = free_port()
    return starter(cfg % dict(port=port, srv=http_backend().port), port=port), port


def counters(proc):
    """The (path, %rt, hex %rt) of each log line."""
    return [tuple(l.split()[1:]) for l in proc.output().splitlines() if l.startswith("RT /")]


def run(starter):
    port = free_port()
    proc = starter(CFG % dict(port=port), port=port)
    # two requests on one connection, then one on another
    keepalive(port, ("/a", "/b"))
    assert hb.get(port, "/c")[0] == 200
    wait_until(lambda: len(counters(proc)) == 3, 5, "3 log lines in:\n%s" % proc.output())
    return counters(proc)


@pytest.mark.parametrize("which", ["tollgate", "haproxy"])
def test_rt_counts_each_request(tollgate, haproxy, which):
    # 0 went to the readiness probe's connection (wait_port)
    assert run(tollgate if which == "tollgate" else haproxy) == \
        [("/a", "1", "0001"), ("/b", "2", "0002"), ("/c", "3", "0003")]


def test_txn_id32_is_the_counter(tollgate):
    port = free_port()
    tollgate(CFG.replace('lf-string "ok"', 'lf-string "%%[txn.id32]"') % dict(port=port), port=port)
    c = hb.connect(port)
    bodies = []
    for path in ("/a", "/b"):
        c.sendall(hb.build(path))
        st, _, _, body = hb.read_response(c)
        bodies.append(body)
    c.close()
    assert bodies == [b"1", b"2"]   # 0: the readiness probe
