"""Health checks, signals (soft stop, pause/resume), fd@ binding, maxconn."""
import signal
import socket
import subprocess
import threading
import time

from conftest import BINARY, exchange, free_port, wait_port, wait_until

BASE = """
global
    nbthread 2
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
"""


def test_dead_server_marked_down_then_up(backend, tollgate):
    a, b = backend("A"), backend("B")
    b_port = b.port
    port = free_port()
    t = tollgate(BASE + """
listen lb
    bind 127.0.0.1:%d
    balance roundrobin
    server a 127.0.0.1:%d check inter 100 fall 2 rise 3
    server b 127.0.0.1:%d check inter 100 fall 2 rise 3
""" % (port, a.port, b_port), port=port)
    b.stop()
    t.wait_log("Server lb/b is DOWN", timeout=10)
    # no longer chosen: every connection lands on a
    assert all(exchange(port, b"x") == b"A:x" for _ in range(10))
    b2 = backend("B", "echo")
    # bring b back on the same port
    b2.stop()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", b_port))
    srv.listen(64)
    stop = threading.Event()

    def serve():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            try:
                c.sendall(b"B:")
                while True:
                    d = c.recv(4096)
                    if not d:
                        break
                    c.sendall(d)
            except OSError:
                pass
            c.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        t.wait_log("Server lb/b is UP", timeout=10)
        seen = {exchange(port, b"x") for _ in range(6)}
        assert seen == {b"A:x", b"B:x"}
    finally:
        stop.set()
        th.join(2)
        srv.close()


def test_soft_stop_finishes_inflight(backend, tollgate):
    """SIGUSR1: the listener closes at once, the open connection keeps
    working until it ends, then the process exits 0."""
    b = backend("A")
    port = free_port()
    t = tollgate(BASE + """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d
""" % (port, b.port), port=port)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    assert s.recv(2) == b"A:"
    t.signal(signal.SIGUSR1)
    t.wait_log("soft stop")
    # new connections are refused once the listener is closed
    wait_until(lambda: _refused(port), 5, "listener closed")
    # the in-flight one still works
    s.sendall(b"still here")
    got = b""
    while len(got) < 10:
        got += s.recv(100)
    assert got == b"still here"
    s.shutdown(socket.SHUT_WR)
    assert s.recv(100) == b""
    s.close()
    assert t.wait_exit() == 0
    assert "all connections finished" in t.output()


def _refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return False
    except OSError:
        return True


def test_hard_stop_after_bounds_soft_stop(backend, tollgate):
    b = backend("A")
    port = free_port()
    t = tollgate(BASE.replace("nbthread 2", "nbthread 2\n    hard-stop-after 300ms") + """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d
""" % (port, b.port), port=port)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    assert s.recv(2) == b"A:"
    t.signal(signal.SIGUSR1)
    assert t.wait_exit(timeout=10) == 0
    assert "hard-stop-after reached" in t.output()
    s.close()


def test_pause_and_resume(backend, tollgate):
    b = backend("A")
    port = free_port()
    t = tollgate(BASE + """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d
""" % (port, b.port), port=port)
    t.signal(signal.SIGTTOU)
    t.wait_log("Pausing frontends")
    # paused: the kernel queues the connection, nobody accepts it
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(0.3)
    try:
        data = s.recv(2)
    except socket.timeout:
        data = None
    assert data is None
    t.signal(signal.SIGTTIN)
    t.wait_log("Resuming frontends")
    s.settimeout(5)
    assert s.recv(2) == b"A:"
    s.close()


def test_fd_binding(backend, tmp_path):
    """bind fd@N: a listening socket inherited from the parent."""
    b = backend("A")
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    port = lsock.getsockname()[1]
    fd = lsock.fileno()
    cfg = tmp_path / "fd.cfg"
    cfg.write_text(BASE + """
listen lb
    bind fd@%d
    server a 127.0.0.1:%d
""" % (fd, b.port))
    p = subprocess.Popen([BINARY, "-db", "-f", str(cfg)], pass_fds=[fd],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lsock.close()   # only the child holds it now
        wait_port(port)
        assert exchange(port, b"via fd") == b"A:via fd"
    finally:
        p.terminate()
        p.wait(10)


def test_maxconn_queues_then_serves(backend, tollgate):
    """A server with maxconn 1: a second client waits in the queue and is
    served when the first one leaves."""
    b = backend("A")
    port = free_port()
    tollgate(BASE.replace("timeout connect 1s", "timeout connect 1s\n    timeout queue 5s") + """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d maxconn 1
""" % (port, b.port), port=port)
    first = socket.create_connection(("127.0.0.1", port), timeout=5)
    assert first.recv(2) == b"A:"
    second = socket.create_connection(("127.0.0.1", port), timeout=5)
    second.settimeout(0.3)
    try:
        early = second.recv(2)
    except socket.timeout:
        early = None
    assert early is None      # queued behind the first
    first.close()
    second.settimeout(5)
    assert second.recv(2) == b"A:"
    second.close()


def test_use_backend_with_conditions(backend, tollgate):
    a, b = backend("A"), backend("B")
    p1, p2 = free_port(), free_port()
    tollgate(BASE + """
frontend fe
    bind 127.0.0.1:%d
    bind 127.0.0.1:%d
    acl to_b dst_port %d
    use_backend be_b if to_b
    use_backend be_a if !to_b
    default_backend be_b
backend be_a
    server a 127.0.0.1:%d
backend be_b
    server b 127.0.0.1:%d
""" % (p1, p2, p2, a.port, b.port), port=p1)
    assert exchange(p1, b"x") == b"A:x"
    assert exchange(p2, b"x") == b"B:x"


def test_reload_with_sf(backend, tmp_path):
    """-sf: the new process binds next to the old one, then tells it to
    finish; the old one's in-flight connection completes, then it exits,
    and new connections are served by the new process."""
    b = backend("A")
    port = free_port()
    cfg = tmp_path / "r.cfg"
    cfg.write_text(BASE + """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d
""" % (port, b.port))
    old = subprocess.Popen([BINARY, "-db", "-f", str(cfg)], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    new = None
    try:
        wait_port(port)
        inflight = socket.create_connection(("127.0.0.1", port), timeout=5)
        assert inflight.recv(2) == b"A:"
        new = subprocess.Popen([BINARY, "-db", "-f", str(cfg), "-sf", str(old.pid)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # the old process stops listening but finishes its connection
        inflight.sendall(b"ping")
        assert inflight.recv(4) == b"ping"
        inflight.close()
        assert old.wait(timeout=10) == 0
        out = old.stdout.read()
        assert "soft stop" in out and "all connections finished" in out, out
        assert exchange(port, b"after") == b"A:after"
    finally:
        for p in (old, new):
            if p and p.poll() is None:
                p.kill()
                p.wait()


def test_reloads_under_load_refuse_nothing(backend, tmp_path):
    """A client loop keeps connecting while the proxy is reloaded five
    times with -sf: every connection is served."""
    b = backend("A")
    port = free_port()
    cfg = tmp_path / "l.cfg"
    cfg.write_text(BASE + """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d
""" % (port, b.port))
    procs = [subprocess.Popen([BINARY, "-db", "-q", "-f", str(cfg)])]
    stop = threading.Event()
    counts = {"ok": 0, "failed": 0}

    def loop():
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
                    if s.recv(2) == b"A:":
                        counts["ok"] += 1
                    else:
                        counts["failed"] += 1
            except OSError:
                counts["failed"] += 1

    try:
        wait_port(port)
        th = threading.Thread(target=loop)
        th.start()
        for _ in range(5):
            before = counts["ok"]
            procs.append(subprocess.Popen([BINARY, "-db", "-q", "-f", str(cfg), "-sf", str(procs[-1].pid)]))
            # the previous process exits once it has finished its work
            assert procs[-2].wait(timeout=10) == 0
            wait_until(lambda: counts["ok"] > before + 20, 10, "traffic after a reload")
        stop.set()
        th.join(10)
        assert counts["failed"] == 0, counts
        assert counts["ok"] > 100, counts
    finally:
        stop.set()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def test_global_maxconn_pauses_accepting(backend, tollgate):
    """At the process maxconn, new connections wait in the kernel backlog
    (they are not refused) and are accepted when a connection ends."""
    b = backend("A")
    port = free_port()
    t = tollgate(BASE.replace("nbthread 2", "nbthread 2\n    maxconn 2") + """
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d
""" % (port, b.port))
    t.wait_log("started")
    held = []
    for _ in range(2):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        assert s.recv(2) == b"A:"
        held.append(s)
    waiting = socket.create_connection(("127.0.0.1", port), timeout=5)
    waiting.settimeout(0.3)
    try:
        early = waiting.recv(2)
    except socket.timeout:
        early = None
    assert early is None
    held.pop().close()
    waiting.settimeout(5)
    assert waiting.recv(2) == b"A:"
    waiting.close()
    for s in held:
        s.close()
