#!/usr/bin/python3
"""HTTP/2 clients, Tollgate against Debian's HAProxy 2.6 (issue 16).

Both proxies read the same configuration text: `nbthread 1`, one `mode
http` frontend answering every request itself with `http-request return`
(no backend: on a 2-CPU machine a backend would take the client's CPU),
on three binds: `proto h2` (clear text, prior knowledge), `ssl crt <pem>
alpn h2,http/1.1` (TLS, ECDSA P-256 certificate made at run time), and
plain HTTP/1.1.

Figures, each per second of the proxy's CPU (utime + stime of the proxy's
process from /proc/PID/stat over the measured interval):

  h2c     h2load, clear text, 4 connections x 25 concurrent streams (100)
  h2tls   h2load over TLS (ALPN h2), 4 x 25 streams
  h1ka    HTTP/1.1 keep-alive (wrk -t1 -c50): the HTTP/1.1 figure the mux
          layer must not lower (compare TOLLGATE=<older binary> runs)

Rounds are paired: in each round both proxies run the same figure one
after the other (the first alternating), and the result is the median
over rounds of the per-round Tollgate/HAProxy ratio. PIN=1 (default with
2+ CPUs) puts the proxies on the last CPU and the clients on the others.

Environment: ROUNDS (3), DURATION (s, 4), MODES, TOLLGATE (./tollgate),
HAPROXY (/usr/sbin/haproxy), RECORD (1: write
bench/results/<date>-h2-vs-haproxy.txt). Needs h2load, wrk, haproxy.
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
MODES = os.environ.get("MODES", "h2c h2tls h1ka").split()
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
\tbind 127.0.0.1:{h2} proto h2
\tbind 127.0.0.1:{tls} ssl crt {crt} alpn h2,http/1.1
\tbind 127.0.0.1:{h1}
\thttp-request return status 200 content-type text/plain string ok
"""


class Proxy:
    def __init__(self, name, tmp, crt):
        self.name = name
        self.ports = {"h2c": free_port(), "h2tls": free_port(), "h1ka": free_port()}
        cfg = os.path.join(tmp, "%s.cfg" % name)
        with open(cfg, "w") as f:
            f.write(CFG.format(h2=self.ports["h2c"], tls=self.ports["h2tls"], h1=self.ports["h1ka"], crt=crt))
        self.log = open(cfg + ".log", "w")
        self.proc = subprocess.Popen(pinned([BINS[name], "-db", "-f", cfg], PROXY_CPU),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for p in self.ports.values():
            wait_port(p)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def h2load(url):
    cmd = ["h2load", "-D", str(DURATION), "-c", "4", "-m", "25", "-t", "1", url]
    out = subprocess.run(pinned(cmd, CLIENT_CPUS), capture_output=True, text=True,
                         timeout=DURATION + 30).stdout
    m = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed", out)
    if not m:
        raise RuntimeError("h2load: " + out[-400:])
    return int(m.group(1)), ("failed=%s" % m.group(2) if m.group(2) != "0" else "")


def wrk(port):
    cmd = ["wrk", "-t1", "-c50", "-d%ds" % DURATION, "http://127.0.0.1:%d/" % port]
    out = subprocess.run(pinned(cmd, CLIENT_CPUS), capture_output=True, text=True,
                         timeout=DURATION + 30).stdout
    m = re.search(r"(\d+) requests in", out)
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", out)
    if not m:
        raise RuntimeError("wrk: " + out[-400:])
    return int(m.group(1)), (errs.group(0) if errs else "")


def measure(proxy, mode):
    c0, t0 = cpu_seconds(proxy.proc.pid), time.time()
    if mode == "h2c":
        n, note = h2load("http://127.0.0.1:%d/" % proxy.ports[mode])
    elif mode == "h2tls":
        n, note = h2load("https://127.0.0.1:%d/" % proxy.ports[mode])
    else:
        n, note = wrk(proxy.ports[mode])
    cpu = cpu_seconds(proxy.proc.pid) - c0
    wall = time.time() - t0
    return {"n": n, "rate": n / wall, "cpu": cpu / wall, "per_cpu": n / cpu if cpu > 0 else 0.0, "note": note}


TARGETS = {"h2c": 1.15, "h2tls": 1.15, "h1ka": None}


def main():
    lines = [benchrec.run_header() + ", h2-vs-haproxy"]
    with open("/proc/cpuinfo") as f:
        model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    lines.append("# cpu: %s; kernel %s; %s" % (model, os.uname().release,
                                                subprocess.run(["openssl", "version"], capture_output=True,
                                                               text=True).stdout.strip()))
    lines.append("# haproxy: " + subprocess.run([BINS["haproxy"], "-v"], capture_output=True,
                                                text=True).stdout.splitlines()[0])
    lines.append("# tollgate: %s; h2load 4 connections x 25 streams; wrk -t1 -c50" % BINS["tollgate"])
    lines.append("# rounds %d x %d s, pinning: %s" % (
        ROUNDS, DURATION, "proxy on CPU %s, clients on %s" % (PROXY_CPU, CLIENT_CPUS) if PIN else "none"))
    lines.append("# load average before: " + open("/proc/loadavg").read().strip())
    print("\n".join(lines), flush=True)
    tmp = tempfile.mkdtemp(prefix="h2bench-")
    tlscerts.make_ca(tmp)
    crt = tlscerts.make_cert(tmp, "srv-ec", ["localhost"], "ec")
    summary = []
    try:
        for mode in MODES:
            proxies = {name: Proxy(name, tmp, crt) for name in BINS}
            try:
                summary.append(benchrec.paired_rounds(mode, proxies, lambda p: measure(p, mode), ROUNDS,
                                                      TARGETS[mode], lines))
            finally:
                for p in proxies.values():
                    p.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines.append("# load average after: " + open("/proc/loadavg").read().strip())
    lines += ["", "# summary (Tollgate / HAProxy, per proxy CPU-second)"] + summary
    benchrec.record(lines, "h2-vs-haproxy")


if __name__ == "__main__":
    main()
