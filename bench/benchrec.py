"""Shared by the Python benchmarks: the header line naming the run, and
recording the result in bench/results/ (RECORD=0: print only)."""
import datetime
import os
import shutil
import socket
import statistics
import subprocess
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def run_header():
    """Returns '# date ..., host ..., N CPUs, commit ...'."""
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return "# date %s, host %s, %d CPUs, commit %s" % (
        datetime.datetime.now().isoformat(timespec="minutes"), os.uname().nodename, os.cpu_count(), commit)


def record(lines, suffix):
    """Writes <lines> to bench/results/<date>-<suffix>.txt, or prints them
    when RECORD=0."""
    text = "\n".join(lines) + "\n"
    if os.environ.get("RECORD", "1") == "0":
        print(text, end="")
        return
    name = datetime.datetime.now().strftime("%Y-%m-%d-%H%M") + "-" + suffix + ".txt"
    with open(os.path.join(ROOT, "bench", "results", name), "w") as f:
        f.write(text)
    print("recorded bench/results/" + name)


# ---- proxy benchmarks against HAProxy (tls_vs_haproxy.py, h2_vs_haproxy.py) ----

NCPU = os.cpu_count()
# PIN=1 (default with 2+ CPUs): the proxies on the last CPU, the clients on the others
PIN = os.environ.get("PIN", "1" if NCPU >= 2 and shutil.which("taskset") else "0") == "1"
PROXY_CPU = str(NCPU - 1)
CLIENT_CPUS = "0-%d" % (NCPU - 2) if NCPU > 2 else "0"
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("port %d never listened" % port)


def pinned(cmd, cpus):
    return (["taskset", "-c", cpus] if PIN else []) + cmd


def cpu_seconds(pid):
    """CPU time of <pid>, all threads: /proc/PID/task/*/schedstat counts it in
    nanoseconds (utime + stime of /proc/PID/stat count in clock ticks, 10 ms:
    a 4 s handshake run uses a tenth of a second, so ticks alone made the
    figures +/-10 %); the ticks where schedstat is missing."""
    try:
        total = 0
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK


def paired_rounds(mode, proxies, measure, rounds, target, lines):
    """Measures <mode> on each proxy of <proxies> ("tollgate", "haproxy")
    in <rounds> paired rounds, alternating which goes first; <measure>(proxy)
    returns {"n", "rate", "cpu", "per_cpu", "note"}. Appends one line per
    measure to <lines> and returns the summary line: medians, the paired
    ratio of requests per CPU-second and the verdict against <target>
    (None: no target)."""
    ratios, rawr = [], []
    per = {name: [] for name in proxies}
    for r in range(rounds):
        order = ["tollgate", "haproxy"] if r % 2 == 0 else ["haproxy", "tollgate"]
        res = {}
        for name in order:
            res[name] = measure(proxies[name])
            per[name].append(res[name]["per_cpu"])
            line = "%-9s round %d %-8s n=%d rate=%.0f/s cpu=%.2f per_cpu_s=%.0f %s" % (
                mode, r, name, res[name]["n"], res[name]["rate"], res[name]["cpu"],
                res[name]["per_cpu"], res[name]["note"])
            lines.append(line)
            print(line, flush=True)
        if res["haproxy"]["per_cpu"] > 0:
            ratios.append(res["tollgate"]["per_cpu"] / res["haproxy"]["per_cpu"])
        if res["haproxy"]["rate"] > 0:
            rawr.append(res["tollgate"]["rate"] / res["haproxy"]["rate"])
    ratio = statistics.median(ratios)
    verdict = "no target" if target is None else ("met" if ratio >= target else "NOT met") + \
        " (target >= %.2f)" % target
    s = "%-9s per CPU-s: tollgate %.0f haproxy %.0f (medians); paired ratio %.2f (rounds %s); " \
        "raw rate ratio %.2f; %s" % (mode, statistics.median(per["tollgate"]),
                                      statistics.median(per["haproxy"]), ratio,
                                      " ".join("%.2f" % x for x in ratios), statistics.median(rawr),
                                      verdict)
    print(s, flush=True)
    return s
