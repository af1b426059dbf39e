#!/usr/bin/env python3
"""Memory held by slow clients: Tollgate against HAProxy.

Starts each proxy (mode http, one frontend, one backend whose server is
never reached) with the same configuration, opens N connections to it from
127.0.0.1 that each send a partial request head ("GET / HTTP/1.1\\r\\n"
plus one header line, never the blank line), waits until the proxy has
accepted them all, and reads its VmRSS from /proc. The proxies run one
after the other. With Tollgate the admin socket's `show pools` is printed
too, to show what the waiting connections hold.

    bench/slowloris_mem.py             # N=5000, run and record in bench/results/
    N=2000 RECORD=0 bench/slowloris_mem.py

Needs HAProxy (Debian: apt-get install haproxy); raises its own descriptor
limit to what N needs. Not run by CI or `make bench`. About 20 s.
"""
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

from benchrec import record, run_header

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TOLLGATE = os.environ.get("TOLLGATE_BIN", os.path.join(ROOT, "tollgate"))
HAPROXY = os.environ.get("HAPROXY_BIN", "/usr/sbin/haproxy")
N = int(os.environ.get("N", "5000"))
PORT = int(os.environ.get("PORT", "18971"))

CFG = """global
    nbthread 2
    maxconn %d
    stats socket %s level admin
defaults
    mode http
    timeout client 60s
    timeout http-request 60s
    timeout server 5s
    timeout connect 2s
frontend f
    bind 127.0.0.1:%d
    default_backend b
backend b
    server s1 127.0.0.1:9
"""


def field(pid, name):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def admin(path, cmd):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        s.sendall(cmd.encode() + b"\n")
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                return data.decode()
            data += d


def run(binary, d):
    sock = os.path.join(d, "admin.sock")
    cfg = os.path.join(d, "p.cfg")
    with open(cfg, "w") as f:
        f.write(CFG % (N + 100, sock, PORT))
    p = subprocess.Popen([binary, "-db", "-f", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("%s did not listen" % binary)
                time.sleep(0.05)
        idle = field(p.pid, "VmRSS")
        conns = []
        for i in range(N):
            c = socket.create_connection(("127.0.0.1", PORT))
            c.sendall(b"GET /slow/%d HTTP/1.1\r\nHost: x\r\n" % i)
            conns.append(c)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            cur = [l for l in admin(sock, "show info").splitlines() if l.startswith("CurrConns:")]
            if cur and int(cur[0].split()[1]) >= N:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # let the last heads be read
        rss = field(p.pid, "VmRSS")
        pools = admin(sock, "show pools") if binary == TOLLGATE else ""
        for c in conns:
            c.close()
        return idle, rss, pools
    finally:
        p.terminate()
        p.wait()


def main():
    need = N * 2 + 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    out = ["# slowloris_mem: %d connections each holding a partial request head" % N,
           run_header(),
           "%-10s %10s %10s %14s" % ("proxy", "idle_MB", "loaded_MB", "per_conn_KB")]
    pools = ""
    with tempfile.TemporaryDirectory() as d:
        for name, binary in (("tollgate", TOLLGATE), ("haproxy", HAPROXY)):
            idle, rss, p = run(binary, d)
            pools = pools or p
            out.append("%-10s %10.1f %10.1f %14.1f" % (name, idle / 1024, rss / 1024, (rss - idle) / N))
            print(out[-1], flush=True)
    out.append("")
    out.append("# tollgate `show pools` with the connections open:")
    out += ["# " + l for l in pools.splitlines()]
    record(out, "slowloris-mem")


if __name__ == "__main__":
    main()
