"""Reload without loss: with `-sf <pid>` (and `-x <socket>`), the old process
hands every stick table to the new one before that one serves, and sends
what changed during the overlap when it leaves; no configuration beyond the
admin socket a reload already uses. HAProxy needs a local peer for this
(and loses the overlap's changes), so there is no side-by-side comparison."""
import signal
import socket
import threading

from conftest import admin_cli, admin_ready, free_port, wait_port, wait_until
from test_table_state import show_table

CFG = """
global
    nbthread 2
    stats socket %(sock)s mode 600 expose-fd listeners level admin
%(extra)s
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%(port)d
    http-request track-sc0 hdr(x-key) table st
    http-request return status 200 content-type text/plain string ok
backend st
    stick-table type string len 32 size 100k expire 10m store http_req_cnt,http_req_rate(10s),gpc0
"""


def cfg(tmp_path, port, extra=""):
    return CFG % {"sock": tmp_path / "admin.sock", "port": port, "extra": extra}


def table(sock, name="st"):
    return show_table(sock, name)


def first(tollgate, tmp_path, extra=""):
    """Starts the first process; returns (process, port, admin socket, cfg)."""
    port = free_port()
    sock = str(tmp_path / "admin.sock")
    text = cfg(tmp_path, port, extra)
    proc = tollgate(text, port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    proc.wait_log("started")
    return proc, port, sock, text


def request(port, key, headers=""):
    """One request on its own connection; returns the status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("GET / HTTP/1.1\r\nHost: x\r\nX-Key: %s\r\n%sConnection: close\r\n\r\n"
                   % (key, headers)).encode())
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    return data.split(b"\r\n", 1)[0]


class KeepAlive:
    """One keep-alive client connection: request(key) sends a request
    tracked under <key> and waits for its answer."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)

    def request(self, key):
        self.s.sendall(("GET / HTTP/1.1\r\nHost: x\r\nX-Key: %s\r\n\r\n" % key).encode())
        data = b""
        while not data.endswith(b"ok"):
            d = self.s.recv(65536)
            assert d
            data += d
        return data

    def close(self):
        self.s.close()


def create_keys(port, nkeys):
    """Tracks key-0..key-<nkeys-1> once each through one pipelined
    keep-alive connection; returns {key: requests counted}."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        reqs = ["GET / HTTP/1.1\r\nHost: x\r\nX-Key: key-%d\r\n\r\n" % i for i in range(nkeys)]
        reqs[-1] = reqs[-1].replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
        s.sendall("".join(reqs).encode())
        data = b""
        while True:
            d = s.recv(1 << 20)
            if not d:
                break
            data += d
    assert data.count(b"HTTP/1.1 200 OK") == nkeys
    return {"key-%d" % i: 1 for i in range(nkeys)}


class Traffic:
    """<nthreads> clients, each going round its share of the keys of
    <sent> ({key: requests counted}) one connection per request, until
    stop(); counts in <sent> what was answered 200, in <failures> the
    rest."""

    def __init__(self, port, sent, nthreads):
        self.port, self.sent, self.failures = port, sent, []
        self.lock, self.stopped = threading.Lock(), threading.Event()
        keys = sorted(sent)
        self.threads = [threading.Thread(target=self._client, args=(keys[t::nthreads],))
                        for t in range(nthreads)]
        for th in self.threads:
            th.start()

    def _client(self, keys):
        while not self.stopped.is_set():
            for key in keys:
                if self.stopped.is_set():
                    break
                try:
                    status = request(self.port, key)
                except OSError as e:
                    status = repr(e).encode()
                with self.lock:
                    if status != b"HTTP/1.1 200 OK":
                        self.failures.append((key, status))
                    else:
                        self.sent[key] += 1

    def wait_more(self, n):
        """Waits until <n> more requests were answered."""
        with self.lock:
            total = sum(self.sent.values())
        wait_until(lambda: sum(self.sent.values()) > total + n, timeout=30, what="traffic")

    def stop(self):
        self.stopped.set()
        for th in self.threads:
            th.join(timeout=120)

    def check(self, sock, logs=()):
        """Asserts no request failed and every key's counter in table st
        equals the requests counted for it."""
        assert not self.failures, self.failures[:10]
        t = table(sock)
        wrong = {k: (t.get(k, {}).get("http_req_cnt"), n) for k, n in self.sent.items()
                 if t.get(k, {}).get("http_req_cnt") != str(n)}
        assert not wrong, "%d keys wrong, e.g. %s\n%s" % (len(wrong), list(wrong.items())[:10],
                                                         "\n====\n".join(logs))
        assert len(t) == len(self.sent)


def reload(tollgate, tmp_path, text, old):
    """Starts a new process taking over from <old>; waits until it serves,
    <old> has left and its final changes are merged."""
    sock = str(tmp_path / "admin.sock")
    new = tollgate(text, args=["-x", sock, "-sf", str(old.proc.pid)])
    new.wait_log("started")
    assert old.wait_exit(timeout=30) == 0, old.output()
    new.wait_log("Reload hand-over: merged")
    return new


def test_reload_hands_tables_over_with_remaining_lifetimes(tollgate, tmp_path):
    old, port, sock, text = first(tollgate, tmp_path)
    for i in range(50):
        assert request(port, "k%d" % i) == b"HTTP/1.1 200 OK"
    admin_cli(sock, "set table st key k0 data.gpc0 41")
    before = table(sock)
    new = reload(tollgate, tmp_path, text, old)
    assert "Reload hand-over: took 50 stick-table entries" in new.output(), new.output()
    assert "Reload hand-over: gave 50 stick-table entries" in old.output(), old.output()
    after = table(sock)
    assert set(after) == set(before)
    assert after["k0"]["gpc0"] == "41"
    for k, e in after.items():
        assert e["http_req_cnt"] == "1"
        assert int(e["http_req_rate(10000)"]) == 1
        # the remaining lifetime goes on, it does not restart
        assert int(e["exp"]) <= int(before[k]["exp"])
    # the old process owns nothing any more: a state file is the new one's
    new.signal(signal.SIGTERM)
    assert new.wait_exit() == 0


def test_reload_without_x_uses_the_admin_socket(tollgate, tmp_path):
    old, port, sock, text = first(tollgate, tmp_path)
    request(port, "solo")
    new = tollgate(text, args=["-sf", str(old.proc.pid)])
    new.wait_log("started")
    assert old.wait_exit(timeout=30) == 0
    assert table(sock)["solo"]["http_req_cnt"] == "1"


def test_overlap_changes_of_the_old_process_are_merged(tollgate, tmp_path):
    """A keep-alive connection stays on the old process after the new one
    took the tables: what it counts there arrives while the old one lives
    (an update every second) and when it leaves, added to what the new one
    counted meanwhile."""
    old, port, sock, text = first(tollgate, tmp_path)
    ka = KeepAlive(port)
    ka_request = ka.request
    ka_request("shared")
    new = tollgate(text, args=["-x", sock, "-sf", str(old.proc.pid)])
    new.wait_log("started")
    old.wait_log("Stopping frontends")
    # the old process still serves its open connection; the new one the rest
    for _ in range(3):
        ka_request("shared")
    ka_request("only-old")
    # while the old process lives, its changes reach the new one (every second)
    wait_until(lambda: table(sock).get("only-old", {}).get("http_req_cnt") == "1", timeout=10,
               what="an update from the old process")
    assert table(sock)["shared"]["http_req_cnt"] == "4"
    for _ in range(2):
        assert request(port, "shared") == b"HTTP/1.1 200 OK"
    ka.s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Key: shared\r\nConnection: close\r\n\r\n")
    while ka.s.recv(65536):
        pass
    ka.close()
    assert old.wait_exit(timeout=30) == 0
    new.wait_log("merged")
    t = table(sock)
    assert t["shared"]["http_req_cnt"] == "7", t      # 1 + 3 + 1 on the old, 2 on the new
    assert t["only-old"]["http_req_cnt"] == "1", t


def test_reloads_under_traffic_lose_nothing(tollgate, tmp_path):
    """20 reloads while 8 clients keep tracking 10,000 keys (created first
    in one pipelined burst, so that the test stays short)."""
    proc, port, sock, text = first(tollgate, tmp_path)
    traffic = Traffic(port, create_keys(port, 10000), 8)
    try:
        for _ in range(20):
            traffic.wait_more(100)      # each reload once more traffic went through
            proc = reload(tollgate, tmp_path, text, proc)
    finally:
        traffic.stop()
    traffic.check(sock)
    proc.signal(signal.SIGTERM)
    assert proc.wait_exit() == 0


def test_old_tollgate_without_the_command_is_survived(tollgate, tmp_path):
    """A stats socket that refuses `_gettables` (level user): the new
    process warns and starts with empty tables (here: from nothing)."""
    port = free_port()
    sock = str(tmp_path / "admin.sock")
    text = cfg(tmp_path, port).replace("level admin", "level user")
    old = tollgate(text, port=port)
    wait_until(lambda: admin_ready(sock), what="admin socket")
    request(port, "x")
    new = tollgate(text, args=["-x", sock, "-sf", str(old.proc.pid)])
    new.wait_log("started")
    out = new.output()
    assert "Reload: cannot take the stick tables of the old process: '%s' answered: " % sock in out, out
    assert "they start empty" in out
    assert old.wait_exit(timeout=30) == 0
    wait_port(port)
    assert request(port, "y") == b"HTTP/1.1 200 OK"


def test_failed_reload_can_be_tried_again(tollgate, tmp_path):
    """A new process that took the tables but failed to start (here: a
    stats socket it cannot bind) leaves the old one owning them: the next
    reload gets them."""
    old, port, sock, text = first(tollgate, tmp_path)
    request(port, "kept")
    bad = text.replace("    nbthread 2\n", "    nbthread 2\n    stats socket %s/no/such/dir.sock\n" % tmp_path)
    failed = tollgate(bad, args=["-x", sock, "-sf", str(old.proc.pid)], name="bad.cfg")
    assert failed.wait_exit() != 0
    assert "Reload hand-over: took 1 stick-table entries" in failed.output(), failed.output()
    assert old.proc.poll() is None
    new = reload(tollgate, tmp_path, text, old)
    assert "Reload hand-over: took 1 stick-table entries" in new.output(), new.output()
    assert table(sock)["kept"]["http_req_cnt"] == "1"


def test_st_reload_and_the_state_file_owner(tollgate, tmp_path):
    """-st stops the old process at once: its final changes still follow.
    Once it handed its tables over, the old process no longer writes the
    state file; the new one does."""
    old, port, sock, text = first(tollgate, tmp_path, "    stick-tables-state-file %s" % (tmp_path / "state"))
    for _ in range(3):
        request(port, "st")
    new = tollgate(text, args=["-x", sock, "-st", str(old.proc.pid)])
    new.wait_log("started")
    assert old.wait_exit(timeout=30) == 0
    new.wait_log("Reload hand-over: merged")
    assert "Saved" not in old.output(), old.output()
    assert table(sock)["st"]["http_req_cnt"] == "3"
    request(port, "st")
    new.signal(signal.SIGTERM)
    assert new.wait_exit() == 0
    assert "Saved 1 stick-table entries" in new.output()
    last = tollgate(text, port=port)
    last.wait_log("Restored 1 stick-table entries")
    # its frontend answering does not mean its admin socket does yet (a
    # loaded run saw it refuse the connection)
    wait_until(lambda: admin_ready(sock), 10, "the admin socket")
    assert table(sock)["st"]["http_req_cnt"] == "4"
