"""Descriptor limits: `maxconn` against RLIMIT_NOFILE (raised to what maxconn
needs, or a clear refusal), the default maxconn computed from the limit, and
accept() at EMFILE, which pauses the listener and retries instead of hanging
clients or killing the process. Tollgate runs under a low limit set in the
child before exec."""
import os
import re
import resource
import select
import socket

from conftest import admin_cli, admin_ready, free_port, run_check, wait_until


def limit(soft, hard):
    """A preexec_fn setting RLIMIT_NOFILE to <soft>/<hard> in the child."""
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def config(tmp_path, port, be_port, glob=""):
    sock = str(tmp_path / "admin.sock")
    cfg = """
global
    nbthread 2
    stats socket %s level admin
%s
defaults
    mode tcp
    timeout client 10s
    timeout server 10s
    timeout connect 2s
frontend f
    bind 127.0.0.1:%d
    default_backend b
backend b
    server s1 127.0.0.1:%d
""" % (sock, glob, port, be_port)
    return cfg, sock


def info(sock):
    out = admin_cli(sock, "show info")
    return {k: v for k, v in re.findall(r"^([\w-]+): (.*)$", out, re.M)}


def soft_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError("no 'Max open files' in /proc/%d/limits" % pid)


def start(tollgate, tmp_path, backend, glob, soft, hard):
    port = free_port()
    cfg, sock = config(tmp_path, port, backend("A").port, glob)
    t = tollgate(cfg, port=port, preexec_fn=limit(soft, hard))
    wait_until(lambda: admin_ready(sock), 10, "the admin socket")
    return t, port, sock


def test_maxconn_raises_the_soft_limit(tollgate, tmp_path, backend):
    t, _, sock = start(tollgate, tmp_path, backend, "    maxconn 1000", 256, 8192)
    inf = info(sock)
    assert inf["Maxconn"] == "1000"
    maxsock = int(inf["Maxsock"])
    # two descriptors per connection, plus listeners, pollers, the CLI
    assert 2000 < maxsock < 2100
    assert int(inf["Ulimit-n"]) == maxsock
    assert soft_limit(t.proc.pid) == maxsock


def test_maxconn_beyond_the_hard_limit_is_refused(tollgate, tmp_path, backend):
    cfg, _ = config(tmp_path, free_port(), backend("A").port, "    maxconn 2000")
    t = tollgate(cfg, preexec_fn=limit(256, 256))
    assert t.wait_exit() == 1
    out = t.output()
    assert "cannot raise the descriptor limit to" in out, out
    assert "for maxconn 2000" in out and "the hard limit is 256" in out, out
    assert "no strict-limits" in out, out


def test_no_strict_limits_starts_with_a_warning(tollgate, tmp_path, backend):
    t, port, sock = start(tollgate, tmp_path, backend, "    maxconn 2000\n    no strict-limits", 256, 256)
    # printed at start-up, read by the fixture's thread: wait for it
    t.wait_log("cannot raise the descriptor limit")
    inf = info(sock)
    assert inf["Maxconn"] == "2000" and inf["Ulimit-n"] == "256"
    assert soft_limit(t.proc.pid) == 256


def test_default_maxconn_follows_the_hard_limit(tollgate, tmp_path, backend):
    # HAProxy 2.6: (hard limit - fixed descriptors) / 2, and the soft limit
    # set to the descriptors that maxconn needs
    t, _, sock = start(tollgate, tmp_path, backend, "", 256, 256)
    inf = info(sock)
    maxconn, maxsock = int(inf["Maxconn"]), int(inf["Maxsock"])
    assert 100 <= maxconn < 128, inf
    assert maxsock <= 256 and maxsock >= 2 * maxconn + 10
    assert int(inf["Ulimit-n"]) == maxsock == soft_limit(t.proc.pid)

    (tmp_path / "b").mkdir()
    t2, _, sock2 = start(tollgate, tmp_path / "b", backend, "", 256, 4096)
    inf2 = info(sock2)
    assert 2000 <= int(inf2["Maxconn"]) < 2048, inf2
    assert soft_limit(t2.proc.pid) == int(inf2["Maxsock"]) <= 4096


def test_fd_hard_limit_and_ulimit_n(tmp_path, tollgate, backend):
    t, _, sock = start(tollgate, tmp_path, backend, "    fd-hard-limit 1000", 256, 8192)
    inf = info(sock)
    assert int(inf["Maxsock"]) <= 1000 and 450 < int(inf["Maxconn"]) < 500, inf
    (tmp_path / "b").mkdir()
    t, _, sock = start(tollgate, tmp_path / "b", backend, "    ulimit-n 3000\n    maxconn 100", 256, 8192)
    assert soft_limit(t.proc.pid) == 3000
    assert info(sock)["Ulimit-n"] == "3000"


def test_bad_limit_values_are_refused(tmp_path):
    for kw in ("ulimit-n", "fd-hard-limit"):
        rc, out, _ = run_check("global\n    %s 0\n" % kw, tmp_path)
        assert rc != 0 and "'%s'" % kw in out, out
        rc, out, _ = run_check("global\n    %s\n" % kw, tmp_path)
        assert rc != 0 and "'%s' expects an integer argument" % kw in out, out


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def test_accept_at_emfile_waits_then_serves(tollgate, tmp_path, backend):
    """Descriptors taken by idle admin sessions, not by proxy connections:
    a proxy client that arrives meanwhile must be served once they are
    given back, although no proxy connection ever ends (the listener pause
    retries after a delay instead of waiting for a connection to end)."""
    nofile = 48
    # `stats maxconn` (HAProxy's default: 10 per socket) raised so that the
    # admin sessions can take every descriptor
    t, port, sock = start(tollgate, tmp_path, backend, "    maxconn 1000\n    no strict-limits\n    stats maxconn 100",
                          nofile, nofile)
    pid = t.proc.pid
    admins = []
    try:
        for _ in range(nofile):
            a = socket.socket(socket.AF_UNIX)
            a.connect(sock)
            admins.append(a)
        wait_until(lambda: open_fds(pid) >= nofile, 10, "the descriptors to run out")
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        # queued in the backlog, not dropped, while nothing is free
        wait_until(lambda: "Proxy f: accept() failed: Too many open files" in t.output(), 10,
                   "the EMFILE warning; got:\n" + t.output())
        assert t.proc.poll() is None
    finally:
        for a in admins:
            a.close()
    with c:
        assert c.recv(2) == b"A:"
        c.sendall(b"ping")
        assert c.recv(4) == b"ping"
    assert t.proc.poll() is None


def test_clients_beyond_the_fd_limit_are_served_later(tollgate, tmp_path, backend):
    """More clients than descriptors: each one is served, or closed if its
    server connection cannot be opened; none hangs once descriptors free up,
    and the process lives on."""
    nofile = 48
    t, port, sock = start(tollgate, tmp_path, backend, "    maxconn 1000\n    no strict-limits", nofile, nofile)
    clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(40)]
    wait_until(lambda: "Proxy f: accept() failed: Too many open files" in t.output(), 10, "the EMFILE warning")
    # the admin socket too is out of descriptors: its client waits
    admin = socket.socket(socket.AF_UNIX)
    admin.settimeout(10)
    admin.connect(sock)
    admin.sendall(b"show info\n")
    wait_until(lambda: "stats socket %s: accept() failed: Too many open files" % sock in t.output(), 10,
               "the admin socket's EMFILE warning")
    # the first clients are served; one accepted while no descriptor was
    # left for its server connection waits: poll them, don't block on one
    pending, served = list(clients[:10]), []

    def one_of_the_first_served():
        for c in select.select(pending, [], [], 0)[0]:
            pending.remove(c)
            try:
                if c.recv(2) == b"A:":
                    served.append(c)
            except OSError:
                pass
        return served or not pending
    wait_until(one_of_the_first_served, 10, "one of the first clients to be served")
    assert served
    for c in clients:
        c.close()
    assert t.proc.poll() is None
    # served once the proxy's descriptors are back, though no admin session ended
    with admin:
        assert admin.recv(6) == b"Name: "

    def one_served():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                return c.recv(2) == b"A:"
        except OSError:
            return False
    wait_until(one_served, 10, "a new client to be served")
    for _ in range(20):
        assert one_served()
    assert admin_ready(sock)
