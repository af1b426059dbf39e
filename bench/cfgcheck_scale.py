#!/usr/bin/env python3
"""Configuration check time at scale: Tollgate against HAProxy.

Generates configurations with N servers in one backend and with N named
ACLs each used by one `http-request deny` rule, for N in 5k, 10k, 20k, and
times `tollgate -c` and `haproxy -c` on each (best of ROUNDS wall-clock
runs). Growth faster than N shows a quadratic step.

    bench/cfgcheck_scale.py            # run and record in bench/results/
    RECORD=0 bench/cfgcheck_scale.py   # run, print only

Needs HAProxy (Debian: apt-get install haproxy). Not run by CI or `make
bench`. About a minute with the defaults.
"""
import os
import subprocess
import sys
import tempfile
import time

from benchrec import record, run_header

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TOLLGATE = os.environ.get("TOLLGATE_BIN", os.path.join(ROOT, "tollgate"))
HAPROXY = os.environ.get("HAPROXY_BIN", "/usr/sbin/haproxy")
SIZES = [int(n) for n in os.environ.get("SIZES", "5000 10000 20000").split()]
ROUNDS = int(os.environ.get("ROUNDS", "3"))

HEAD = """defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend f
    bind 127.0.0.1:18999
"""


def servers(n):
    lines = [HEAD, "    default_backend b\nbackend b\n"]
    lines += ["    server s%d 10.%d.%d.%d:80\n" % (i, i >> 16 & 255, i >> 8 & 255, i & 255) for i in range(n)]
    return "".join(lines)


def acls(n):
    lines = [HEAD]
    lines += ["    acl a%d path_beg /p%d\n" % (i, i) for i in range(n)]
    lines += ["    http-request deny if a%d\n" % i for i in range(n)]
    lines.append("    default_backend b\nbackend b\n    server s1 127.0.0.1:80\n")
    return "".join(lines)


def measure(binary, path):
    """Returns the best wall-clock seconds of `<binary> -c -f <path>`."""
    best = None
    for _ in range(ROUNDS):
        t0 = time.monotonic()
        p = subprocess.run([binary, "-c", "-q", "-f", path], capture_output=True, text=True)
        dt = time.monotonic() - t0
        if p.returncode != 0:
            sys.exit("%s -c failed on %s:\n%s" % (binary, path, p.stdout + p.stderr))
        best = dt if best is None else min(best, dt)
    return best


def main():
    out = []
    out.append("# cfgcheck_scale: `-c` wall-clock seconds, best of %d runs" % ROUNDS)
    out.append(run_header())
    out.append("%-8s %7s %12s %12s %8s" % ("config", "N", "tollgate_s", "haproxy_s", "ratio"))
    with tempfile.TemporaryDirectory() as d:
        for kind, gen in (("servers", servers), ("acls", acls)):
            for n in SIZES:
                path = os.path.join(d, "%s%d.cfg" % (kind, n))
                with open(path, "w") as f:
                    f.write(gen(n))
                tg = measure(TOLLGATE, path)
                hx = measure(HAPROXY, path)
                out.append("%-8s %7d %12.3f %12.3f %8.2f" % (kind, n, tg, hx, tg / hx))
                print(out[-1], flush=True)
    record(out, "cfgcheck-scale")


if __name__ == "__main__":
    main()
