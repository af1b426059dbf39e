"""Reload without closing a listening socket: the old process exposes its
listeners on its admin socket (`_getsocks`), the new one fetches them with
`-x <socket>` and reuses them instead of binding: the kernel socket lives on
from one process to the next, so no connection is ever refused."""
import os
import socket
import subprocess
import threading

from conftest import BINARY, free_port, wait_port, wait_until
from test_admin_socket import cli, socket_ready

CFG = """
global
    nbthread 2
    stats socket %s mode 600 expose-fd listeners level admin
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
listen lb
    bind 127.0.0.1:%d
    server a 127.0.0.1:%d
"""


def socket_inodes(pid):
    """The inodes of the sockets process <pid> holds."""
    out = set()
    d = "/proc/%d/fd" % pid
    for name in os.listdir(d):
        try:
            target = os.readlink(os.path.join(d, name))
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(int(target[8:-1]))
    return out


def listening_inodes(port):
    """Inodes of the TCP sockets listening on 127.0.0.1:<port>."""
    out = set()
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want and cols[3] == "0A":  # LISTEN
                out.add(int(cols[9]))
    return out


def getsocks(path):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall(b"_getsocks\n")
        text, fds = b"", []
        while True:
            data, got, _, _ = socket.recv_fds(s, 65536, 64)
            if not data:
                break
            text += data
            fds += got
    return text.decode(), fds


def test_getsocks_protocol_and_levels(backend, tollgate, tmp_path):
    b = backend("A")
    port = free_port()
    sock = str(tmp_path / "admin.sock")
    user = str(tmp_path / "user.sock")
    cfg = CFG % (sock, port, b.port)
    cfg = cfg.replace("    stats socket", "    stats socket %s level user\n    stats socket" % user, 1)
    t = tollgate(cfg, port=port)
    wait_until(lambda: socket_ready(sock), 10, "the admin socket")
    text, fds = getsocks(sock)
    try:
        lines = text.split("\n")
        # <N>, then one line per socket, then the empty line ending the answer
        assert lines[0] == "2", text
        assert lines[1] == "0 lb 127.0.0.1:%d 0" % port, text
        assert lines[2] == "1 lb 127.0.0.1:%d 1" % port, text
        assert len(fds) == 2
        mine = set()
        for fd in fds:
            s = socket.socket(fileno=os.dup(fd))
            assert s.getsockname() == ("127.0.0.1", port)
            assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
            mine.add(os.fstat(fd).st_ino)
            s.close()
        assert mine == listening_inodes(port)
    finally:
        for fd in fds:
            os.close(fd)
    # hidden from help, refused below level admin
    assert "_getsocks" not in cli(sock, "help")
    assert cli(user, "_getsocks") == "Permission denied\n\n"
    # the process still serves
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        assert c.recv(2) == b"A:"
    # -x on a socket below level admin: a warning, then the usual binding
    cfg2 = (CFG % (str(tmp_path / "b.sock"), port, b.port))
    t2 = tollgate(cfg2, args=("-x", user), name="b.cfg")
    t2.wait_log("Failed to get the sockets from the old process: '%s' answered: Permission denied" % user)
    t2.wait_log("started")
    assert "reusing" not in t2.output()


def test_reload_with_x_reuses_sockets_and_refuses_nothing(backend, tmp_path):
    b = backend("A")
    port = free_port()
    sock = str(tmp_path / "admin.sock")
    cfg = tmp_path / "x.cfg"
    cfg.write_text(CFG % (sock, port, b.port))
    a = subprocess.Popen([BINARY, "-db", "-f", str(cfg)], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    new = None
    stop = threading.Event()
    counts = {"ok": 0, "failed": 0, "errors": []}

    def loop():
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
                    if s.recv(2) == b"A:":
                        counts["ok"] += 1
                    else:
                        counts["failed"] += 1
            except OSError as e:
                counts["failed"] += 1
                counts["errors"].append(repr(e))

    th = threading.Thread(target=loop)
    try:
        wait_port(port)
        wait_until(lambda: socket_ready(sock), 10, "the admin socket")
        a_listeners = listening_inodes(port)
        assert len(a_listeners) == 2 and a_listeners <= socket_inodes(a.pid)
        th.start()
        wait_until(lambda: counts["ok"] > 20, 10, "traffic before the reload")
        new = subprocess.Popen([BINARY, "-db", "-f", str(cfg), "-x", sock, "-sf", str(a.pid)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # the old process finishes and exits
        assert a.wait(timeout=15) == 0
        before = counts["ok"]
        wait_until(lambda: counts["ok"] > before + 50, 10, "traffic after the reload")
        stop.set()
        th.join(10)
        assert counts["failed"] == 0, counts
        # B holds A's very sockets: same kernel sockets, none bound anew
        assert listening_inodes(port) == a_listeners
        assert a_listeners <= socket_inodes(new.pid)
        wait_until(lambda: socket_ready(sock), 10, "the new admin socket")
        assert "reused_listeners: 2" in cli(sock, "show activity")
    finally:
        stop.set()
        if th.is_alive():
            th.join(10)
        for p in (a, new):
            if p and p.poll() is None:
                p.kill()
                p.wait()
    out = new.stdout.read()
    assert out.count("reusing listening socket 127.0.0.1:%d" % port) == 2, out


def test_x_with_a_dead_socket_still_starts(backend, tollgate, tmp_path):
    b = backend("A")
    port = free_port()
    sock = str(tmp_path / "admin.sock")
    t = tollgate(CFG % (sock, port, b.port), port=port,
                 args=("-x", str(tmp_path / "nothing.sock")))
    t.wait_log("Failed to get the sockets from the old process")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        assert c.recv(2) == b"A:"
