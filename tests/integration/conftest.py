"""Shared fixtures for the integration tests: the real binary, real backends.

Backends are small threaded TCP servers inside the test process, on
ephemeral ports of 127.0.0.1. Tollgate is started with a configuration
written to a temporary file, in the foreground (-db), and a test waits for
its listening port to answer before using it.
"""
import os
import random
import socket
import subprocess
import threading
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("TOLLGATE_BIN", os.path.join(ROOT, "tollgate"))
# The reference: HAProxy, run side by side with tollgate on the same
# configuration where a test compares their behaviour.
HAPROXY = os.environ.get("HAPROXY_BIN", "/usr/sbin/haproxy")


# A mode http defaults section with short timeouts, for test configurations.
HTTP_DEFAULTS = """
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
"""


# A global section with an admin socket at %(sock)s, for configurations
# filled with the % operator (tollgate's and HAProxy's alike).
ADMIN_GLOBAL = """
global
    stats socket %(sock)s level admin
    stats timeout 5s
"""


# One thread, an admin socket at <sock>, mode tcp defaults: the head of the
# configurations that check tests run on tollgate and HAProxy alike.
def tcp_admin_head(sock):
    return """
global
    nbthread 1
    stats socket %s level admin
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
""" % sock


# Ports for the proxies under test: each test process draws from its own
# range, below the kernel's ephemeral range (32768-60999 on Linux), so that
# neither another xdist worker of the same run (PYTEST_XDIST_WORKER=gwN: range
# N+1; a run without xdist: range 0) nor an outgoing connection (whose
# source port the kernel picks from the ephemeral range) can take a port
# between the moment a test picks it and the moment the proxy binds it.
# Each range is walked from a random point, and each port is checked free
# (TCP and UDP, every address) before it is handed out: another run on the
# machine may use the same range.
PORT_BASE, PORT_RANGE, PORT_SLOTS = 10000, 1400, 16


def _port_slot():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw") and worker[2:].isdigit():
        return (int(worker[2:]) + 1) % PORT_SLOTS
    return 0


_port_lock = threading.Lock()
_port_next = [random.randrange(PORT_RANGE)]


def _port_is_free(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                return False
    return True


def free_port():
    """Returns a port (TCP and UDP) of 127.0.0.1 that was free a moment ago,
    from this test process's own range: the one way tests pick a port for
    a proxy or a server to bind (tests/integration/README)."""
    base = PORT_BASE + _port_slot() * PORT_RANGE
    with _port_lock:
        for _ in range(PORT_RANGE):
            port = base + _port_next[0] % PORT_RANGE
            _port_next[0] += 1
            if _port_is_free(port):
                return port
    raise AssertionError("no free port in %d-%d" % (base, base + PORT_RANGE - 1))


@pytest.fixture
def dead_port():
    """A port of 127.0.0.1 that refuses connections for the whole test.

    free_port() only says a port was free a moment ago: with other test
    runs on the machine, another process may listen on it by the time the
    proxy connects. This one stays bound (never listening) until the test
    ends, so a connection to it is always refused (RST)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()


def wait_port(port, timeout=10.0, host="127.0.0.1"):
    """Waits until <port> accepts a connection; fails the test otherwise."""
    def answers():
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            return False
    wait_until(answers, timeout, "port %d to answer" % port)


def wait_until(pred, timeout=10.0, what="condition"):
    """Polls <pred> every 20 ms until it returns true; fails the test on
    timeout. The one place tests wait: for a port, a log line, a state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Backend:
    """A threaded TCP server. Each connection first receives <tag> + b":",
    then is handled by <mode>: "echo" sends back what it reads until EOF,
    then closes; "sink" reads until EOF and answers the byte count and its
    checksum; a callable gets the socket."""

    def __init__(self, tag="A", mode="echo"):
        self.tag = tag.encode()
        self.mode = mode
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.lock = threading.Lock()
        self.closed = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.accepted += 1
            threading.Thread(target=self._handle, args=(c,), daemon=True).start()

    def _handle(self, c):
        try:
            if callable(self.mode):
                self.mode(c)
                return
            c.sendall(self.tag + b":")
            while True:
                d = c.recv(262144)
                if not d:
                    break
                if self.mode == "echo":
                    c.sendall(d)
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            c.close()

    def stop(self):
        """Closes the listening socket: new connections are refused."""
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class Tollgate:
    """A running tollgate process (or another binary taking the same
    `-db -f cfg` command line: HAProxy)."""

    def __init__(self, cfg_path, args=(), env=None, binary=BINARY, preexec_fn=None):
        self.cfg_path = cfg_path
        self.proc = subprocess.Popen(
            [binary, "-db", "-f", cfg_path] + list(args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            preexec_fn=preexec_fn,
        )
        self.lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self):
        return "".join(self.lines)

    def wait_log(self, needle, timeout=10.0):
        wait_until(lambda: needle in self.output(), timeout, "log line %r; got:\n%s" % (needle, self.output()))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=15.0):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._reader.join(timeout=2)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_check(cfg_text, tmp_path, name="t.cfg", env=None, binary=BINARY):
    """Runs `tollgate -c` (or `<binary> -c`: HAPROXY to compare) on
    <cfg_text>; returns (returncode, output, path of the file)."""
    path = tmp_path / name
    path.write_text(cfg_text)
    p = subprocess.run([binary, "-c", "-f", str(path)], capture_output=True, text=True,
                       env=env, timeout=20)
    return p.returncode, p.stdout + p.stderr, str(path)


@pytest.fixture
def backend():
    """Starts backends: backend(tag, mode) -> Backend; stopped at teardown."""
    started = []

    def start(tag="A", mode="echo"):
        b = Backend(tag, mode)
        started.append(b)
        return b

    yield start
    for b in started:
        b.stop()


# What a sanitizer build prints before it stops the process.
SANITIZER_MARKS = ("WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "runtime error:",
                   "ERROR: LeakSanitizer")


def _starter(tmp_path, binary, what, default_name):
    """A start(cfg, port=...) function for the tollgate/haproxy fixtures,
    and the list of processes it started."""
    started = []

    def start(cfg_text, port=None, args=(), env=None, name=default_name, preexec_fn=None):
        path = tmp_path / name
        path.write_text(cfg_text)
        t = Tollgate(str(path), args, env, binary, preexec_fn)
        started.append(t)
        if port is not None:
            try:
                wait_port(port)
            except AssertionError:
                t.kill()
                raise AssertionError("%s did not listen on %d:\n%s" % (what, port, t.output()))
        return t

    return start, started


@pytest.fixture
def tollgate(tmp_path):
    """Starts tollgate on a configuration text: tollgate(cfg, port=...) waits
    for <port> to answer (if given) and returns the Tollgate; killed at
    teardown."""
    start, started = _starter(tmp_path, BINARY, "tollgate", "tollgate.cfg")
    yield start
    for t in started:
        t.kill()
    # a sanitizer build stops at its first report (halt_on_error): show it,
    # whichever assertion the test failed on, and fail a test that passed
    for t in started:
        t._reader.join(timeout=2)
        out = t.output()
        for mark in SANITIZER_MARKS:
            if mark in out:
                start_at = out.index(mark)
                pytest.fail("tollgate reported:\n" + out[max(0, start_at - 200):start_at + 6000], pytrace=False)


@pytest.fixture
def haproxy(tmp_path):
    """Starts the reference HAProxy (`haproxy -db -f cfg`) on a
    configuration text, as the tollgate fixture does: haproxy(cfg,
    port=...) waits for <port> and returns the process; killed at
    teardown. For tests that run the same traffic through both and compare
    what they answer and count."""
    start, started = _starter(tmp_path, HAPROXY, "haproxy", "haproxy.cfg")
    yield start
    for t in started:
        t.kill()


def exchange(port, payload=b"hello", timeout=5.0):
    """Connects to <port>, sends <payload>, half-closes, returns all bytes
    received until the proxy closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            d = s.recv(262144)
            if not d:
                break
            chunks.append(d)
        return b"".join(chunks)


def admin_cli(path, cmd, timeout=5.0, half_close=False):
    """One-shot admin socket command: sends <cmd> and a newline to the unix
    socket <path> (then half-closes if <half_close>, as socat does: HAProxy's
    master CLI waits for it), returns the whole answer as text."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(cmd.encode() + b"\n")
        if half_close:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            d = s.recv(65536)
            if not d:
                break
            chunks.append(d)
    return b"".join(chunks).decode()


def admin_ready(path):
    """True once the admin socket <path> answers `show info`."""
    try:
        return "Name:" in admin_cli(path, "show info", timeout=2)
    except OSError:
        return False


def start_both(tollgate, haproxy, tmp_path, cfg, **params):
    """Starts tollgate and the reference HAProxy on configuration <cfg>
    filled with <params> plus, for each, its own admin socket path (sock)
    and listening port (port); waits for both. Returns {"tollgate": (sock,
    port), "haproxy": (sock, port)}."""
    out = {}
    for name, starter in (("tollgate", tollgate), ("haproxy", haproxy)):
        sock = str(tmp_path / (name + ".sock"))
        port = free_port()
        starter(cfg % dict(params, sock=sock, port=port), port=port)
        wait_until(lambda: admin_ready(sock), 10, name + "'s admin socket")
        out[name] = (sock, port)
    return out


@pytest.fixture
def http_backend():
    """Starts HTTP backends: http_backend(tag, handler) -> HttpBackend
    (httpbackend.py); stopped at teardown."""
    from httpbackend import HttpBackend
    started = []

    def start(tag="A", handler=None):
        b = HttpBackend(tag, handler)
        started.append(b)
        return b

    yield start
    for b in started:
        b.stop()
