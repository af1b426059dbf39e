"""Master-worker mode (-W, -Ws, `master-worker`, the master CLI -S), as
HAProxy's: a master starts the worker, reloads it on SIGUSR2 (listening
sockets passed over, stick tables handed over), reports the workers that
exit, and answers `show proc`, `reload` and `@1 <command>` on its socket.
Where HAProxy 2.6 runs the same command line, the layouts are compared."""
import os
import re
import signal
import socket
import subprocess
import threading

from conftest import BINARY, admin_cli, free_port, wait_port, wait_until
from test_table_handover import CFG as HANDOVER_CFG, request

# test_table_handover's configuration without its stats socket: the master
# needs none to route commands and hand the tables over
CFG = HANDOVER_CFG.replace("    stats socket %(sock)s mode 600 expose-fd listeners level admin\n", "")
assert "stats socket" not in CFG


def mcli(path, cmd, timeout=10.0):
    """One master CLI command (half-closed, as socat sends it)."""
    return admin_cli(path, cmd, timeout, half_close=True)


def children(pid):
    """The pids whose parent is <pid>."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(name))
    return out


def master_ready(sock):
    try:
        return "# workers" in mcli(sock, "show proc")
    except OSError:
        return False


def show_proc(sock):
    """(master line, [worker pids], [old worker pids]) of `show proc`."""
    text = mcli(sock, "show proc")
    workers, old, section = [], [], None
    master = None
    for line in text.splitlines():
        if line.startswith("# "):
            section = line
        elif line.startswith("#") or not line:
            continue
        elif section is None:
            master = line
        elif section == "# workers":
            workers.append(int(line.split()[0]))
        elif section == "# old workers":
            old.append(int(line.split()[0]))
    return master, workers, old


def start(tollgate, tmp_path, extra="", args=("-W",)):
    port = free_port()
    msock = str(tmp_path / "master.sock")
    t = tollgate(CFG % {"port": port, "extra": extra}, port=port, args=list(args) + ["-S", msock])
    wait_until(lambda: master_ready(msock), what="the master CLI")
    t.wait_log("Loading success.")  # the worker serves: no reload or kill races its start
    return t, port, msock


def test_w_starts_a_master_and_its_worker(tollgate, tmp_path):
    t, port, msock = start(tollgate, tmp_path)
    wait_until(lambda: len(children(t.proc.pid)) == 1, what="one worker")
    worker = children(t.proc.pid)[0]
    # the master does not serve: the worker holds the listening sockets
    with open("/proc/%d/cmdline" % worker) as f:
        argv = f.read().split("\0")
    assert "-W" not in argv and "-S" not in argv, argv
    master, workers, old = show_proc(msock)
    assert workers == [worker] and old == []
    assert request(port, "k1") == b"HTTP/1.1 200 OK"
    t.wait_log("New worker (%d) forked" % worker)


def test_show_proc_layout_as_haproxy(tollgate, haproxy, tmp_path):
    t, port, msock = start(tollgate, tmp_path)
    hport = free_port()
    hsock = str(tmp_path / "hmaster.sock")
    haproxy(CFG % {"port": hport, "extra": ""}, port=hport, args=["-W", "-S", hsock])
    wait_until(lambda: master_ready(hsock), what="haproxy's master CLI")
    ours, theirs = mcli(msock, "show proc"), mcli(hsock, "show proc")
    # same headings and 15-character columns; only pids, uptimes and versions differ
    col = re.compile(r"^(\S+\s+)(\S+\s+)(.{16})(\S+\s+)")
    ol, tl = ours.splitlines(), theirs.splitlines()
    assert [l for l in ol if l.startswith("#")] == [l for l in tl if l.startswith("#")]
    assert ol[0].rstrip() == tl[0].rstrip()
    for a, b in ((ol[1], tl[1]), (ol[3], tl[3])):
        ma, mb = col.match(a), col.match(b)
        assert ma and mb, (a, b)
        assert [len(g) for g in ma.groups()] == [len(g) for g in mb.groups()], (a, b)
        assert ma.group(2) == mb.group(2) and ma.group(3) == mb.group(3), (a, b)
    assert ours.endswith("\n\n") and theirs.endswith("\n\n")


def test_master_cli_routes_commands_to_a_worker(tollgate, tmp_path):
    t, port, msock = start(tollgate, tmp_path)
    _, workers, _ = show_proc(msock)
    info = mcli(msock, "@1 show info")
    assert "Name: Tollgate" in info and "Pid: %d" % workers[0] in info, info
    assert "Pid: %d" % workers[0] in mcli(msock, "@!%d show info" % workers[0])
    assert mcli(msock, "@7 show info") == "Can't find the target PID matching the prefix '@7'\n"
    # ';' separates commands, each answer ends with an empty line
    version = mcli(msock, "show version")
    assert version.endswith("\n\n") and version.count("\n") == 2, version
    assert mcli(msock, "@1 show version; show version") == version * 2
    assert "show proc" in mcli(msock, "help")
    assert mcli(msock, "frobnicate").startswith("Unknown command: 'frobnicate'")
    assert mcli(msock, "@master show version") == version


def test_a_worker_that_dies_is_reported(tollgate, haproxy, tmp_path):
    """A worker stopped with SIGTERM: the master logs it as HAProxy does,
    and, with no worker left, leaves with HAProxy's line."""
    lines = []
    for fixture, name in ((tollgate, "t"), (haproxy, "h")):
        port = free_port()
        p = fixture(CFG % {"port": port, "extra": ""}, port=port, args=["-W"], name=name + ".cfg")
        p.wait_log("Loading success.")  # HAProxy's line too
        worker = children(p.proc.pid)[0]
        os.kill(worker, signal.SIGTERM)
        p.wait_log("Current worker (%d) exited with code" % worker)
        assert p.wait_exit() == 0
        out = p.output()
        line = [l for l in out.splitlines() if "Current worker" in l][0]
        lines.append(re.sub(r"\(\d+\)", "(PID)", line))
        assert "All workers exited. Exiting... (0)" in out, out
    assert lines[0] == lines[1], lines
    assert lines[0] == "[ALERT]    (PID) : Current worker (PID) exited with code 143 (Terminated)"


def test_a_crash_stops_everything_unless_no_exit_on_failure(tollgate, tmp_path):
    for extra, killing in (("", True), ("    master-worker no-exit-on-failure", False)):
        t, port, msock = start(tollgate, tmp_path, extra=extra)
        worker = show_proc(msock)[1][0]
        os.kill(worker, signal.SIGKILL)
        t.wait_log("[ALERT]    (%d) : Current worker (%d) exited with code 137 (Killed)" % (t.proc.pid, worker))
        # HAProxy's: the master leaves with the status once no worker is left
        assert t.wait_exit() == 137
        assert ("exit-on-failure: killing every processes with SIGTERM" in t.output()) == killing, t.output()


def test_master_worker_keyword_and_sigusr2_reload_under_traffic(tollgate, tmp_path):
    """SIGUSR2: a new worker takes the listening sockets and the stick
    table over; no request fails; the old worker leaves."""
    t, port, msock = start(tollgate, tmp_path, extra="    master-worker", args=())
    assert request(port, "kept") == b"HTTP/1.1 200 OK"
    first = show_proc(msock)[1][0]
    stop = threading.Event()
    counts = {"ok": 0, "failed": []}

    def loop():
        while not stop.is_set():
            try:
                status = request(port, "traffic")
                if status == b"HTTP/1.1 200 OK":
                    counts["ok"] += 1
                else:
                    counts["failed"].append(status)
            except OSError as e:
                counts["failed"].append(repr(e))

    th = threading.Thread(target=loop)
    th.start()
    try:
        wait_until(lambda: counts["ok"] > 20, what="traffic before the reload")
        t.signal(signal.SIGUSR2)
        t.wait_log("Former worker (%d) exited with code 0 (Exit)" % first, timeout=30)
        before = counts["ok"]
        wait_until(lambda: counts["ok"] > before + 20, what="traffic after the reload")
    finally:
        stop.set()
        th.join(10)
    assert counts["failed"] == [], counts
    master, workers, old = show_proc(msock)
    assert len(workers) == 1 and workers[0] != first and old == []
    assert "1 [failed: 0]" in master, master
    table = mcli(msock, "@1 show table st")
    assert "key=kept " in table, table
    # the master CLI's reload answers once the new worker serves
    assert mcli(msock, "reload", timeout=30) == "Success=1\n"
    assert show_proc(msock)[1] != workers
    # SIGTERM: the master stops its workers and leaves
    t.signal(signal.SIGTERM)
    assert t.wait_exit() == 0
    t.wait_log("Exiting Master process...")


def test_a_failed_reload_keeps_the_worker(tollgate, tmp_path):
    t, port, msock = start(tollgate, tmp_path)
    worker = show_proc(msock)[1][0]
    with open(t.cfg_path, "a") as f:
        f.write("frobnicate\n")
    assert mcli(msock, "reload", timeout=30) == "Success=0\n"
    master, workers, _ = show_proc(msock)
    assert workers == [worker] and "1 [failed: 1]" in master, master
    t.wait_log("Failed to load worker")
    assert request(port, "k") == b"HTTP/1.1 200 OK"


def test_ws_notifies_systemd(tollgate, tmp_path):
    path = str(tmp_path / "notify.sock")
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    n.bind(path)
    n.settimeout(20)
    try:
        port = free_port()
        env = dict(os.environ, NOTIFY_SOCKET=path)
        t = tollgate(CFG % {"port": port, "extra": ""}, port=port, args=["-Ws"], env=env)
        msg = n.recv(4096).decode()
        assert msg == "READY=1\nMAINPID=%d\nSTATUS=Ready.\n" % t.proc.pid, msg
        t.signal(signal.SIGUSR2)
        msg = n.recv(4096).decode()
        assert msg.startswith("RELOADING=1\nSTATUS=Reloading Configuration.\nMONOTONIC_USEC="), msg
        assert n.recv(4096).decode().startswith("READY=1\n")
        wait_port(port)
        t.signal(signal.SIGTERM)
        assert n.recv(4096).decode() == "STOPPING=1\n"
        assert t.wait_exit() == 0
    finally:
        n.close()


def test_bad_master_options(tollgate, tmp_path):
    cfg = tmp_path / "x.cfg"
    cfg.write_text(CFG % {"port": free_port(), "extra": "    master-worker frob"})
    p = subprocess.run([BINARY, "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert p.returncode == 1
    assert "'master-worker' only supports 'no-exit-on-failure' option." in p.stdout + p.stderr
    cfg.write_text(CFG % {"port": free_port(), "extra": ""})
    p = subprocess.run([BINARY, "-db", "-S", "ipv4@127.0.0.1:1,mode,600", "-W", "-f", str(cfg)],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1 and "only a unix socket path is supported" in p.stderr
    for opt, why in ((",bogus,1", "unknown option 'bogus'"), (",level,root", "'level' only supports"),
                     (",mode", "option 'mode' expects a value"), (",mode,9x", "'mode' expects an octal")):
        p = subprocess.run([BINARY, "-db", "-S", str(tmp_path / "m.sock") + opt, "-W", "-f", str(cfg)],
                           capture_output=True, text=True, timeout=10)
        assert p.returncode == 1 and why in p.stderr, (opt, p.stderr)
    p = subprocess.run([BINARY, "-db", "-S", str(tmp_path / "m.sock"), "-f", str(cfg)],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1 and "-S requires master-worker mode" in p.stderr


def test_old_workers_in_show_proc_and_routing(tollgate, tmp_path):
    """A worker retired by a reload that still has a connection to finish
    is listed under `# old workers`, and `@2` reaches it."""
    t, port, msock = start(tollgate, tmp_path)
    first = show_proc(msock)[1][0]
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # unfinished: the stream lives on
        wait_until(lambda: "CurrConns: 1" in mcli(msock, "@1 show info"), what="the connection")
        assert mcli(msock, "reload", timeout=30) == "Success=1\n"
        master, workers, old = show_proc(msock)
        assert old == [first] and len(workers) == 1 and workers[0] != first
        text = mcli(msock, "show proc")
        assert "# old workers\n%-15d %-15s %-15d " % (first, "worker", 1) in text, text
        # the old worker learns of its soft stop by a signal: wait for it
        wait_until(lambda: "Stopping: 1" in mcli(msock, "@2 show info"), what="the old worker stopping")
        info = mcli(msock, "@2 show info")
        assert "Pid: %d" % first in info and "Stopping: 1" in info, info
        assert "Pid: %d" % workers[0] in mcli(msock, "@1 show info")
    finally:
        c.close()
    t.wait_log("Former worker (%d) exited with code 0 (Exit)" % first)
    assert show_proc(msock)[2] == []


def test_daemon_master_writes_its_pid(tmp_path):
    """-W -D -p: the master goes to the background and writes its own pid
    (the one systemd or an init script signals); the worker serves."""
    port = free_port()
    cfg, pidfile, msock = tmp_path / "d.cfg", tmp_path / "pid", str(tmp_path / "m.sock")
    cfg.write_text(CFG % {"port": port, "extra": ""})
    with open(tmp_path / "log", "w") as log:  # the daemon keeps stderr: not a pipe
        p = subprocess.run([BINARY, "-W", "-D", "-p", str(pidfile), "-S", msock, "-f", str(cfg)],
                           stdout=subprocess.DEVNULL, stderr=log, timeout=10)
    assert p.returncode == 0, (tmp_path / "log").read_text()
    wait_until(lambda: pidfile.exists() and pidfile.read_text().endswith("\n"), what="the pid file")
    master = int(pidfile.read_text())
    try:
        wait_port(port)
        wait_until(lambda: master_ready(msock), what="the master CLI")
        line, workers, _ = show_proc(msock)
        assert int(line.split()[0]) == master and children(master) == workers
        assert request(port, "d") == b"HTTP/1.1 200 OK"
    finally:
        os.kill(master, signal.SIGTERM)
    wait_until(lambda: not os.path.exists("/proc/%d" % master) or
               open("/proc/%d/stat" % master).read().rsplit(")", 1)[1].split()[0] == "Z",
               what="the master to leave")
