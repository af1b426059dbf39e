#!/usr/bin/python3
"""User-space instructions per full TLS handshake (issue 14), the figure
that does not depend on the machine's load: the proxy runs under
valgrind's callgrind with instrumentation off, WARM handshakes warm it up,
instrumentation goes on for N more, and the instructions counted are
divided by N.

Usage: bench/tls_callgrind.py [BINARY...] (default ./tollgate and
/usr/sbin/haproxy, which read the same configuration text:
bench/tls_vs_haproxy.py's, nbthread 1, `bind ... ssl crt <pem>`).
Environment: N (200), WARM (20), KINDS ("ec rsa"), OUT (a temporary
directory; keeps callgrind.out.* for callgrind_annotate).

Each handshake is what `openssl s_time -new -tls1_3` makes: a new TCP
connection, a full TLS 1.3 handshake with OpenSSL's default groups and
no SNI, the connection then reset (no close_notify) as soon as the
client's side is done: the proxy finds the client's Finished and the
reset together (s_time's connections end so: strace shows the proxy's
next read or write failing with ECONNRESET).
"""
import os
import re
import struct
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlscerts  # noqa: E402
from benchrec import free_port, wait_port  # noqa: E402
from tls_vs_haproxy import CFG  # noqa: E402

N = int(os.environ.get("N", "200"))
WARM = int(os.environ.get("WARM", "20"))
KINDS = os.environ.get("KINDS", "ec rsa").split()


def handshakes(port, n):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    for _ in range(n):
        with socket.create_connection(("127.0.0.1", port)) as s:
            tls = ctx.wrap_socket(s, do_handshake_on_connect=True)
            tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            tls.close()


def control(pid, *args):
    subprocess.run(["callgrind_control"] + list(args) + [str(pid)], capture_output=True, timeout=120)


def measure(binary, crt, out):
    port = free_port()
    cfg = os.path.join(out, "%s-%s.cfg" % (os.path.basename(binary), os.path.basename(crt)))
    with open(cfg, "w") as f:
        f.write(CFG.format(port=port, crt=crt))
    prefix = cfg[:-4]
    with open(prefix + ".log", "w") as log:
        proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                                 "--callgrind-out-file=" + prefix + ".callgrind.out.%p",
                                 binary, "-db", "-f", cfg], stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_port(port, 120)
            handshakes(port, WARM)
            control(proc.pid, "-i", "on")
            handshakes(port, N)
            time.sleep(0.5)  # the last closes reach the proxy
            control(proc.pid, "-i", "off")
            control(proc.pid, "-d")
        finally:
            proc.terminate()
            proc.wait(60)
    best = None
    for name in os.listdir(out):
        if name.startswith(os.path.basename(prefix) + ".callgrind.out"):
            with open(os.path.join(out, name)) as f:
                for line in f:
                    m = re.match(r"totals: (\d+)", line)
                    if m and (best is None or int(m.group(1)) > best[0]):
                        best = (int(m.group(1)), os.path.join(out, name))
    return best


def main():
    bins = sys.argv[1:] or ["./tollgate", "/usr/sbin/haproxy"]
    out = os.environ.get("OUT") or tempfile.mkdtemp(prefix="tlscg-")
    os.makedirs(out, exist_ok=True)
    tlscerts.make_ca(out)
    for kind in KINDS:
        crt = tlscerts.make_cert(out, "srv-" + kind, ["localhost"], kind)
        for b in bins:
            total, path = measure(b, crt, out)
            print("%-6s %-20s %d instructions per handshake (%d after %d)  %s" % (
                kind, b, total // N, N, WARM, path), flush=True)


if __name__ == "__main__":
    main()
