"""The admin socket at scale: a million-entry stick table filled through the
CLI, then dumped with `show table` to a client that reads slowly while
traffic keeps updating the table. Every key must appear exactly once, the
proxy must keep serving during the dump, and Tollgate's memory must stay
bounded: the dump is streamed with back-pressure, never buffered whole.

Entry count: ENTRIES, 1,000,000, what issue 6 asks for. On the 2-vCPU
machine the release binary fills the table in about 4 s (a million
`set table` commands, about 400 per line, pipelined on one interactive
session, answers read by a thread), the dump is about 90 MB read in about
11 s, and the whole test takes about 20 s. When TOLLGATE_BIN points at a
sanitizer build (a path containing "/asan/" or "/tsan/", as `make test-asan`
and `make test-tsan` set it), it uses SANITIZER_ENTRIES, 100,000, instead, to
keep those suites short: about 4 s under ASan and 6 s under TSan (with a
million: about 21 s and 38 s).

The slow reader: a TCP stats socket with a small receive window, reads of
4 KiB, and a stop every eighth of the dump that lasts until the proxy has
served STALL_CONNS more connections (a condition, not a timed pause);
during each stop the test checks that the CLI answers and samples
Tollgate's RSS (VmRSS), which may grow by at most RSS_BOUND_KB over the
whole dump (a buffered dump would need its 90 MB).

The source addresses of the traffic are keys of the table (127.A.B.C, all
routed to the loopback interface), so the traffic updates existing entries
during the dump (conn_cur, conn_rate) rather than adding new ones, and the
set of keys expected in the dump is exactly the one filled.
"""
import random
import re
import socket
import threading
import time

from conftest import BINARY, free_port, wait_until
from test_admin_socket import cli, socket_ready

ENTRIES = 1000000
SANITIZER_ENTRIES = 100000
SANITIZED = "/asan/" in BINARY or "/tsan/" in BINARY
N = SANITIZER_ENTRIES if SANITIZED else ENTRIES

RSS_BOUND_KB = 64 * 1024    # growth allowed during the dump; the dump is ~90 B/entry
LINE_MAX = 16000            # bytes per CLI line (the session's input buffer is 16384)
READ_CHUNK = 4096           # bytes per recv() of the slow reader
STALL_EVERY = N * 11        # the slow reader stops every ~1/8 of the dump...
STALL_CONNS = 20            # ... until the proxy has served this many more connections

LINE = re.compile(r"^0x[0-9a-f]+: key=(\S+) use=(\d+) exp=0 shard=0 "
                  r"gpc0=(\d+) conn_rate\(10000\)=(\d+) conn_cur=(\d+)$")


def key(i):
    """The i-th key: 127.0.0.1, 127.0.0.2, ... (127.0.0.1 is key 0)."""
    i += 1
    return "127.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def fill(path, n):
    """Sets data.gpc0 1 on keys 0..n-1 over one interactive session: many
    commands per line, lines pipelined, answers read by a thread so that
    neither side blocks. Returns the seconds it took."""
    t0 = time.monotonic()
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(60)
        s.connect(path)
        s.sendall(b"prompt\n")
        prompts = [0]
        answers = []

        def drain():
            # each command answers "\n> " (an empty answer, then the prompt)
            while prompts[0] < n + 1:
                try:
                    d = s.recv(65536)
                except OSError:
                    return
                if not d:
                    return
                prompts[0] += d.count(b">")
                if d.strip(b"\n> "):
                    answers.append(d)

        th = threading.Thread(target=drain, daemon=True)
        th.start()
        cmds, size = [], 0
        for i in range(n):
            c = "set table fe key %s data.gpc0 1" % key(i)
            if size + len(c) + 1 > LINE_MAX:
                s.sendall((";".join(cmds) + "\n").encode())
                cmds, size = [], 0
            cmds.append(c)
            size += len(c) + 1
        s.sendall((";".join(cmds) + "\n").encode())
        th.join(60)
        assert not th.is_alive(), "fill answers still pending: %d of %d" % (prompts[0], n + 1)
        assert not answers, answers[:2]
        assert prompts[0] == n + 1, (prompts[0], n + 1)
    return time.monotonic() - t0


class Traffic:
    """Connections to the frontend in a loop, each from a source address
    that is a key of the table, until stopped. Records when each exchange
    succeeded and what failed."""

    def __init__(self, port, n):
        self.port = port
        self.n = n
        self.ok = []            # monotonic times of successful exchanges
        self.errors = []
        self.sources = []       # their source addresses, in order
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        rnd = random.Random(6)
        while not self.stop.is_set():
            src = key(rnd.randrange(1, self.n))
            try:
                with socket.socket() as c:
                    c.settimeout(5)
                    c.bind((src, 0))
                    c.connect(("127.0.0.1", self.port))
                    c.sendall(b"x")
                    c.shutdown(socket.SHUT_WR)
                    got = b""
                    while True:
                        d = c.recv(64)
                        if not d:
                            break
                        got += d
                if got != b"A:x":
                    self.errors.append((src, got))
                else:
                    self.ok.append(time.monotonic())
                    self.sources.append(src)
            except OSError as e:
                self.errors.append((src, repr(e)))

    def served_between(self, t0, t1):
        return [t for t in self.ok if t0 <= t <= t1]


def slow_dump(admin, cport, pid, traffic):
    """Dumps the table through the TCP socket <cport>, reading slowly;
    checks the proxy and the CLI mid-dump. Returns (start, end, bytes,
    chunks, RSS before, RSS max, mid-dump checks)."""
    wait_until(lambda: len(traffic.ok) >= 20, 10, "traffic to flow")
    rss0 = rss_kb(pid)
    rss_max = rss0
    chunks = []
    got = 0
    mid_checks = 0
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)  # before connect: the window
        s.settimeout(10)   # a stalled dump fails the test instead of hanging it
        s.connect(("127.0.0.1", cport))
        s.sendall(b"show table fe\n")
        t0 = time.monotonic()
        next_stall = STALL_EVERY
        while True:
            d = s.recv(READ_CHUNK)
            if not d:
                break
            chunks.append(d)
            got += len(d)
            if got >= next_stall:
                next_stall += STALL_EVERY
                # stop reading for a while: Tollgate must stop producing,
                # keep serving traffic and answer other CLI sessions
                before = len(traffic.ok)
                wait_until(lambda: len(traffic.ok) >= before + STALL_CONNS, 10,
                           "traffic served during a stall of the dump")
                rss_max = max(rss_max, rss_kb(pid))
                assert "Name: Tollgate" in cli(admin, "show info", timeout=5)
                assert len(traffic.ok) > before, "no traffic served during a stall of the dump"
                mid_checks += 1
        t1 = time.monotonic()
    rss_max = max(rss_max, rss_kb(pid))
    return t0, t1, got, chunks, rss0, rss_max, mid_checks


def test_million_entry_table_dumped_to_slow_reader_under_traffic(backend, tollgate, tmp_path):
    b = backend("A")
    admin = str(tmp_path / "admin.sock")
    cport = free_port()
    port = free_port()
    t = tollgate("""
global
    nbthread 2
    stats socket %s level admin
    stats socket ipv4@127.0.0.1:%d level operator
    stats timeout 30s
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%d
    stick-table type ip size 2m store conn_cur,conn_rate(10s),gpc0
    tcp-request connection track-sc0 src
    default_backend be
backend be
    server a 127.0.0.1:%d
""" % (admin, cport, port, b.port), port=port)
    wait_until(lambda: socket_ready(admin), 10, "the admin socket")
    pid = t.proc.pid

    # 1. fill
    took = fill(admin, N)
    print("filled %d entries in %.1f s" % (N, took))
    assert cli(admin, "show table") == "# table: fe, type: ip, size:2097152, used:%d\n\n" % N

    # 2. dump to a slow reader (small receive window, paced reads, stalls)
    # through the TCP socket while traffic updates entries
    traffic = Traffic(port, N)
    traffic.thread.start()
    try:
        t0, t1, got, chunks, rss0, rss_max, mid_checks = slow_dump(admin, cport, pid, traffic)
    finally:
        traffic.stop.set()
        traffic.thread.join(10)
    print("dumped %d bytes in %.1f s, RSS %d -> max %d KiB, %d connections served during the dump"
          % (got, t1 - t0, rss0, rss_max, len(traffic.served_between(t0, t1))))

    # the dump is streamed: memory does not follow its size
    assert rss_max - rss0 < RSS_BOUND_KB, (rss0, rss_max, got)
    # the proxy kept serving, all along the dump
    assert not traffic.errors, traffic.errors[:3]
    served = traffic.served_between(t0, t1)
    assert mid_checks >= 5, mid_checks
    marks = [t0] + served + [t1]
    gap = max(b - a for a, b in zip(marks, marks[1:]))
    # a dump that blocked the threads would leave one gap as long as the
    # dump; on a loaded machine the client itself waits a few seconds
    # for a CPU now and then (on two cores shared with a sanitizer build,
    # seconds): a gap is allowed half the dump, which a blocking dump
    # (one gap as long as the dump) still exceeds
    bound = max(2.0, (t1 - t0) / 2)
    assert gap < bound, "the proxy served nothing for %.1f s during a %.1f s dump" % (gap, t1 - t0)

    # every key exactly once, every line well formed and consistent
    text = b"".join(chunks).decode()
    assert text.startswith("# table: fe, type: ip, size:2097152, used:%d\n" % N), text[:100]
    assert text.endswith("\n\n")
    lines = text.split("\n")[1:-2]
    assert len(lines) == N, (len(lines), N)
    keys = []
    rated = set()
    for line in lines:
        m = LINE.match(line)
        assert m, line
        assert m.group(3) == "1", line
        keys.append(m.group(1))
        if m.group(4) != "0":
            rated.add(m.group(1))
    assert len(set(keys)) == N, "%d keys listed twice" % (N - len(set(keys)))
    assert set(keys) == {key(i) for i in range(N)}

    # the dump saw the traffic's updates, and only those (127.0.0.1, key 0,
    # is also the source of the start-up's wait for the port)
    sources = set(traffic.sources) | {key(0)}
    assert rated and rated <= sources, (len(rated), sorted(rated - sources)[:3])
    # a key's rate follows a new connection from it (one made now: the 10 s
    # window of the traffic's last one may have passed on a loaded machine
    # during the checks above)
    src = traffic.sources[-1]
    with socket.socket() as c:
        c.settimeout(5)
        c.bind((src, 0))
        c.connect(("127.0.0.1", port))
        c.sendall(b"x")
        c.shutdown(socket.SHUT_WR)
        while c.recv(64):
            pass
    out = cli(admin, "show table fe key %s" % src)
    m = LINE.match(out.splitlines()[1])
    assert m and int(m.group(4)) >= 1, out
    assert cli(admin, "show table") == "# table: fe, type: ip, size:2097152, used:%d\n\n" % N
