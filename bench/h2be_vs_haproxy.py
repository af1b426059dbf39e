#!/usr/bin/python3
"""HTTP/1.1 clients, HTTP/2 server: Tollgate against HAProxy 2.6 on the same
configuration (`server s1 ... proto h2`, nbthread 1, keep-alive), the
server Debian's nghttpd --no-tls serving a small file. Load: wrk (HTTP/1.1
keep-alive), CONNS connections, DURATION seconds, ROUNDS rounds
alternating which proxy goes first; each figure is the median of the
rounds: requests per second and the proxy's CPU time per request (user +
sys, µs), and their ratio (requests per CPU-second).

    bench/h2be_vs_haproxy.py             # prints, records in bench/results/
    RECORD=0 DURATION=3 bench/h2be_vs_haproxy.py
    REUSE="safe always" bench/h2be_vs_haproxy.py   # http-reuse modes, each

Each line also gives the server connections the proxy held at mid-run
(ss): with `http-reuse always` the clients' requests share them as
streams, with `safe` each client's first request opens its own.

Needs wrk, nghttpd (nghttp2-server) and haproxy. Not run by CI. On a
shared machine the figures move: compare within one run.
"""
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DURATION = int(os.environ.get("DURATION", "5"))
CONNS = int(os.environ.get("CONNS", "50"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
RECORD = os.environ.get("RECORD", "1") != "0"
REUSES = os.environ.get("REUSE", "safe always").split()
PROXIES = {"tollgate": os.path.join(ROOT, "tollgate"), "haproxy": "/usr/sbin/haproxy"}

CFG = """
global
    nbthread 1
defaults
    mode http
    option http-keep-alive
    timeout client 10s
    timeout server 10s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    http-reuse %s
    server s1 127.0.0.1:%d proto h2
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("port %d never answered" % port)  # noqa


def cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def server_conns():
    """Established connections to the server's port, counted on its side."""
    out = subprocess.run(["ss", "-Htn", "state", "established", "( sport = :%d )" % SRV],
                         capture_output=True, text=True).stdout
    return len([l for l in out.splitlines() if l.strip()])


def one(name, port, reuse):
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "p.cfg")
        open(cfg, "w").write(CFG % (port, reuse, SRV))
        p = subprocess.Popen([PROXIES[name], "-db", "-f", cfg], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            wait_port(port)
            subprocess.run(["wrk", "-t1", "-c10", "-d1", "http://127.0.0.1:%d/f" % port],
                           capture_output=True)
            c0 = cpu_s(p.pid)
            w = subprocess.Popen(["wrk", "-t1", "-c%d" % CONNS, "-d%d" % DURATION,
                                  "http://127.0.0.1:%d/f" % port], stdout=subprocess.PIPE, text=True)
            time.sleep(DURATION / 2)   # a benchmark: the connections held mid-run
            conns = server_conns()
            out = w.communicate()[0]
            c1 = cpu_s(p.pid)
        finally:
            p.kill()
            p.wait()
    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return reqs / DURATION, (c1 - c0) * 1e6 / max(reqs, 1), int(errs.group(1)) if errs else 0, conns


www = tempfile.mkdtemp()
open(os.path.join(www, "f"), "w").write("hello\n")
SRV = free_port()
srv = subprocess.Popen(["nghttpd", "--no-tls", "-d", www, str(SRV)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
try:
    wait_port(SRV)
    res = {(n, reuse): [] for reuse in REUSES for n in PROXIES}
    for reuse in REUSES:
        for r in range(ROUNDS):
            order = list(PROXIES) if r % 2 == 0 else list(reversed(PROXIES))
            for n in order:
                res[(n, reuse)].append(one(n, free_port(), reuse))
finally:
    srv.kill()
    srv.wait()

lines = ["# HTTP/1.1 clients -> proxy (nbthread 1) -> HTTP/2 server (nghttpd --no-tls, 6-byte file)",
         "# wrk -t1 -c%d -d%d, %d rounds, medians; %s" % (CONNS, DURATION, ROUNDS, os.uname().nodename),
         "%-9s %-10s %10s %12s %12s %6s %6s" % ("proxy", "http-reuse", "req/s", "cpu us/req", "req/cpu-s",
                                                "non2xx", "sconns")]
for (n, reuse), rs in res.items():
    rps = statistics.median(x[0] for x in rs)
    us = statistics.median(x[1] for x in rs)
    lines.append("%-9s %-10s %10.0f %12.1f %12.0f %6d %6d" % (n, reuse, rps, us, 1e6 / us if us else 0,
                                                              sum(x[2] for x in rs), statistics.median(x[3] for x in rs)))
text = "\n".join(lines) + "\n"
sys.stdout.write(text)
if RECORD:
    path = os.path.join(ROOT, "bench", "results", time.strftime("%Y-%m-%d-%H%M") + "-h2be-vs-haproxy.txt")
    open(path, "w").write(text)
    print("recorded in", os.path.relpath(path, ROOT))
