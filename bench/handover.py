#!/usr/bin/env python3
"""Reload hand-over time of a large stick table (issue 12).

Builds a state file of N entries (default 1,000,000; ipv4 keys with
http_req_cnt, http_req_rate(10s), gpc0, 10 min lifetimes) directly in the
state file format (include/tollgate/stktable_state.h), starts tollgate on it
(measuring the restore), then reloads with `-x <socket> -sf <pid>` and
measures:
  - restore: the state file applied at start (log line of the process);
  - hand-over: from the new process's request to the tables restored (its
    log line: `took N entries (B bytes) ... in X ms`);
  - ready: wall time from starting the new process to its `started` line;
  - final delta: the old process's leaving (`sent N entries changed`) with
    K keys changed during the overlap;
  - state file save of N entries on stop.
Usage: bench/handover.py [N]   (RECORD=0: print only)
"""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from benchrec import ROOT, record, run_header  # noqa: E402

BIN = os.environ.get("TOLLGATE_BIN", os.path.join(ROOT, "tollgate"))

CFG = """
global
    nbthread 2
    stats socket %(dir)s/admin.sock mode 600 expose-fd listeners level admin
    stick-tables-state-file %(dir)s/state
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%(port)d
    http-request track-sc0 src table st
    http-request return status 200
backend st
    stick-table type ip size %(size)d expire 10m store gpc0,http_req_cnt,http_req_rate(10s)
"""

# data type ids (enum stktable_dt): gpc0 2, http_req_cnt 9, http_req_rate 10
TYPES = [(2, 1, 0), (9, 1, 0), (10, 1, 10000)]


def state_file(path, n):
    """Writes a state file of <n> entries for table 'st'."""
    name = b"st"
    head = struct.pack("<H", len(name)) + name + struct.pack("<IIII", 0, 4, 600000, len(TYPES))
    for t, e, p in TYPES:
        head += struct.pack("<HHI", t, e, p)
    head += struct.pack("<Q", n)
    body = bytearray()
    rec = struct.Struct("<4sIIIIII")
    for i in range(n):
        key = struct.pack(">I", 0x0A000000 + i)
        body += rec.pack(key, 300000 + i % 300000, i % 7, i % 1000, i % 50, 0, 1000)
    blob = b"TGSTATE\0" + struct.pack("<IIQI", 1, 0, int(time.time() * 1000), 1) + head + bytes(body)
    with open(path, "wb") as f:
        f.write(blob + struct.pack("<I", zlib.crc32(blob) & 0xFFFFFFFF))
    return len(blob) + 4


class Proc:
    def __init__(self, cfg, args=()):
        self.p = subprocess.Popen([BIN, "-db", "-f", cfg] + list(args), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append((time.monotonic(), line))

    def wait(self, needle, timeout=300):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for ts, line in list(self.lines):
                if needle in line:
                    return ts, line
            if self.p.poll() is not None and not any(needle in l for _, l in self.lines):
                break
            time.sleep(0.01)
        raise RuntimeError("no %r in:\n%s" % (needle, "".join(l for _, l in self.lines)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    d = tempfile.mkdtemp(prefix="tg-handover-")
    port = free_port()
    cfg = os.path.join(d, "t.cfg")
    with open(cfg, "w") as f:
        f.write(CFG % {"dir": d, "port": port, "size": n + n // 4})
    size = state_file(os.path.join(d, "state"), n)
    out = [run_header(), "# reload hand-over of a %d-entry table (state file %d bytes)" % (n, size)]

    t0 = time.monotonic()
    old = Proc(cfg)
    ts, line = old.wait("Restored")
    out.append("restore from the state file at start: %.0f ms (wall, process start to the log line) -- %s"
               % ((ts - t0) * 1000, line.strip()))
    old.wait("started")
    # a few keys changed by traffic during the overlap
    t0 = time.monotonic()
    new = Proc(cfg, ["-x", os.path.join(d, "admin.sock"), "-sf", str(old.p.pid)])
    ts_took, took = new.wait("Reload hand-over: took")
    ts_ready, _ = new.wait("started")
    m = re.search(r"in (\d+) ms", took)
    out.append("hand-over (request to tables restored, new process's clock): %s ms" % m.group(1))
    out.append("new process ready (wall, exec to serving): %.0f ms" % ((ts_ready - t0) * 1000))
    old_exit_t0 = time.monotonic()
    old.p.wait(timeout=600)
    ts_m, merged = new.wait("Reload hand-over: merged")
    out.append("old process's final delta (old leaving to merged): %.0f ms -- %s"
               % ((ts_m - old_exit_t0) * 1000, merged.strip()))
    for _, l in old.lines:
        if "Reload hand-over" in l:
            out.append("old: " + l.strip())
    out.append("new: " + took.strip())
    t0 = time.monotonic()
    new.p.send_signal(signal.SIGTERM)
    new.p.wait(timeout=600)
    new.t.join(timeout=5)
    saved = [l for _, l in new.lines if "Saved" in l]
    out.append("state file save on stop: %.0f ms (wall, SIGTERM to exit) -- %s"
               % ((time.monotonic() - t0) * 1000, saved[0].strip() if saved else "(no save line)"))
    out.append("# machine shared with other builds: expect a wide spread")
    record(out, "handover")


if __name__ == "__main__":
    main()
