#!/usr/bin/python3
"""TLS termination, Tollgate against Debian's HAProxy 2.6 (issue 14).

Both proxies read the same configuration text: `nbthread 1`, one `mode
http` frontend `bind ... ssl crt <pem>` answering every request itself
with `http-request return` (no backend: on a 2-CPU machine a backend
would take the client's CPU). Certificates are made at run time with
tests/integration/tlscerts.py: an ECDSA P-256 and an RSA 2048 server
certificate signed by one CA.

Figures, each per second of the proxy's CPU (the CPU time of the proxy's
threads from /proc/PID/task/*/schedstat, in ns, over the measured
interval):

  hs_ec, hs_rsa   full handshakes (`openssl s_time -new`, TLS 1.3,
                  CLIENTS processes in parallel), ECDSA / RSA certificate
  resume_ec       resumed handshakes (`s_time -reuse`, TLS 1.2 session
                  ids: s_time does not resume TLS 1.3 tickets)
  ka              HTTPS keep-alive requests (wrk -t1 -c50)
  close           HTTPS with `Connection: close` (one handshake per
                  request; wrk resumes nothing)

Rounds are paired: in each round both proxies run the same figure one
after the other (the first alternating), and the result is the median
over rounds of the per-round Tollgate/HAProxy ratio. PIN=1 (default with
2+ CPUs) puts the proxies on the last CPU and the clients on the others.

Environment: ROUNDS (3), DURATION (s, 4), MODES, CLIENTS (2),
TOLLGATE (./tollgate), HAPROXY (/usr/sbin/haproxy), RECORD (1: write
bench/results/<date>-tls-vs-haproxy.txt). Needs openssl, wrk, haproxy.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchrec  # noqa: E402
import tlscerts  # noqa: E402

ROOT = benchrec.ROOT
ROUNDS = int(os.environ.get("ROUNDS", "3"))
DURATION = int(os.environ.get("DURATION", "4"))
MODES = os.environ.get("MODES", "hs_ec hs_rsa resume_ec ka close").split()
CLIENTS = int(os.environ.get("CLIENTS", "2"))
BINS = {"tollgate": os.environ.get("TOLLGATE", os.path.join(ROOT, "tollgate")),
        "haproxy": os.environ.get("HAPROXY", "/usr/sbin/haproxy")}
from benchrec import CLIENT_CPUS, PIN, PROXY_CPU, cpu_seconds, free_port, pinned, wait_port  # noqa: E402

CFG = """global
\tnbthread 1
\tmaxconn 4096
defaults
\tmode http
\ttimeout connect 5s
\ttimeout client 30s
\ttimeout server 30s
frontend fe
\tbind 127.0.0.1:{port} ssl crt {crt}
\thttp-request return status 200 content-type text/plain string ok
"""


class Proxy:
    def __init__(self, name, tmp, crt):
        self.name = name
        self.port = free_port()
        cfg = os.path.join(tmp, "%s-%s.cfg" % (name, os.path.basename(crt)))
        with open(cfg, "w") as f:
            f.write(CFG.format(port=self.port, crt=crt))
        self.log = open(cfg + ".log", "w")
        self.proc = subprocess.Popen(pinned([BINS[name], "-db", "-f", cfg], PROXY_CPU),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_port(self.port)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def s_time(port, ca, extra):
    """CLIENTS s_time processes for DURATION s; returns their total count of
    connections."""
    cmd = ["openssl", "s_time", "-connect", "127.0.0.1:%d" % port, "-time", str(DURATION),
           "-CAfile", ca] + extra
    procs = [subprocess.Popen(pinned(cmd, CLIENT_CPUS), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _ in range(CLIENTS)]
    total = 0
    for p in procs:
        out = p.communicate(DURATION + 30)[0]
        m = re.search(r"(\d+) connections in [\d.]+s", out)
        if not m:
            raise RuntimeError("s_time: " + out[-400:])
        total += int(m.group(1))
    return total


def wrk(port, close):
    cmd = ["wrk", "-t1", "-c50", "-d%ds" % DURATION, "https://127.0.0.1:%d/" % port]
    if close:
        cmd[1:1] = ["-H", "Connection: close"]
    out = subprocess.run(pinned(cmd, CLIENT_CPUS), capture_output=True, text=True,
                         timeout=DURATION + 30).stdout
    m = re.search(r"(\d+) requests in", out)
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", out)
    if not m:
        raise RuntimeError("wrk: " + out[-400:])
    return int(m.group(1)), (errs.group(0) if errs else "")


def measure(proxy, mode, ca):
    c0, t0 = cpu_seconds(proxy.proc.pid), time.time()
    note = ""
    if mode in ("hs_ec", "hs_rsa"):
        n = s_time(proxy.port, ca, ["-new", "-tls1_3"])
    elif mode == "resume_ec":
        n = s_time(proxy.port, ca, ["-reuse", "-tls1_2"])
    else:
        n, note = wrk(proxy.port, mode == "close")
    cpu = cpu_seconds(proxy.proc.pid) - c0
    wall = time.time() - t0
    return {"n": n, "rate": n / wall, "cpu": cpu / wall, "per_cpu": n / cpu if cpu > 0 else 0.0, "note": note}


TARGETS = {"hs_ec": 1.0, "hs_rsa": 1.0, "resume_ec": None, "ka": 1.15, "close": None}


def main():
    lines = [benchrec.run_header() + ", tls-vs-haproxy"]
    with open("/proc/cpuinfo") as f:
        model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    lines.append("# cpu: %s; kernel %s; %s" % (model, os.uname().release,
                                                subprocess.run(["openssl", "version"], capture_output=True,
                                                               text=True).stdout.strip()))
    lines.append("# haproxy: " + subprocess.run([BINS["haproxy"], "-v"], capture_output=True,
                                                text=True).stdout.splitlines()[0])
    lines.append("# rounds %d x %d s, %d s_time clients, pinning: %s" % (
        ROUNDS, DURATION, CLIENTS, "proxy on CPU %s, clients on %s" % (PROXY_CPU, CLIENT_CPUS) if PIN else "none"))
    lines.append("# load average before: " + open("/proc/loadavg").read().strip())
    print("\n".join(lines), flush=True)
    tmp = tempfile.mkdtemp(prefix="tlsbench-")
    ca = tlscerts.make_ca(tmp)
    crts = {"ec": tlscerts.make_cert(tmp, "srv-ec", ["localhost"], "ec"),
            "rsa": tlscerts.make_cert(tmp, "srv-rsa", ["localhost"], "rsa")}
    summary = []
    try:
        for mode in MODES:
            crt = crts["rsa" if mode == "hs_rsa" else "ec"]
            proxies = {name: Proxy(name, tmp, crt) for name in BINS}
            try:
                summary.append(benchrec.paired_rounds(mode, proxies, lambda p: measure(p, mode, ca), ROUNDS,
                                                      TARGETS[mode], lines))
            finally:
                for p in proxies.values():
                    p.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines.append("# load average after: " + open("/proc/loadavg").read().strip())
    lines += ["", "# summary (Tollgate / HAProxy, per proxy CPU-second)"] + summary
    benchrec.record(lines, "tls-vs-haproxy")


if __name__ == "__main__":
    main()
