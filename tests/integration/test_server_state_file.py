"""Server-state files: `show servers state` dumped before a reload and read
back at start-up (`server-state-file`, `server-state-base`,
`load-server-state-from-file`, `server-state-file-name`), side by side
with haproxy 2.6: servers come back with their maintenance, drain, weight,
address, port and check state, and bad files give HAProxy's warnings."""
import re
import socket
import threading

import pytest

from conftest import Backend, admin_cli, admin_ready, exchange, free_port, wait_port, wait_until

BINARIES = ("haproxy", "tollgate")


def head(sock, extra=""):
    return """
global
    stats socket %s level admin
%s
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 2s
""" % (sock, extra)


class Listener:
    """A TCP server on 127.0.0.2 (a server moved there by `set server
    addr`): sends <tag>, reads until EOF and closes."""

    def __init__(self, tag):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.2", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.tag = tag
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            with c:
                c.sendall(self.tag)
                while c.recv(4096):
                    pass
        except OSError:
            pass

    def close(self):
        self.sock.close()


@pytest.fixture
def servers():
    started = [Backend(t) for t in "ABCDF"]
    moved = Listener(b"E:")
    yield started, moved
    for b in started:
        b.stop()
    moved.close()


def run_one(starter, tmp_path, name, cfg_text):
    """Starts <starter> on <cfg_text> (with %(sock)s and %(port)d);
    returns (process, admin socket path, port)."""
    sock = str(tmp_path / (name + ".sock"))
    port = free_port()
    proc = starter(cfg_text % dict(sock=sock, port=port), port=port, name=name + ".cfg")
    wait_until(lambda: admin_ready(sock), 10, name + "'s admin socket")
    return proc, sock, port


def masked(dump, ports):
    """The dump with srv_time_since_last_change and the backends' ports
    (which differ between the two runs) masked."""
    out = []
    for line in dump.splitlines():
        line = re.sub(r"^((?:\S+ ){9})-?\d+", r"\1T", line)
        for i, p in enumerate(ports):
            line = line.replace(" %d " % p, " P%d " % i)
        out.append(line)
    return out


def state_log(proc):
    """The start-up lines about the server-state file and the servers it changed."""
    return [re.sub(r"^\[(\w+)\]\s+\(\d+\) : ", r"\1: ", l) for l in proc.output().splitlines()
            if "state" in l or "Server " in l or "Proxy '" in l]


def reload_cfg(state, servers):
    started, _ = servers
    return head("%(sock)s", "    server-state-file " + state) + """
    load-server-state-from-file global
frontend fe
    bind 127.0.0.1:%%(port)d
    default_backend be
backend be
    server s1 localhost:%d weight 10
    server s2 127.0.0.1:%d weight 20
    server s3 127.0.0.1:%d check inter 100ms
    server s4 127.0.0.1:%d disabled
    server s5 127.0.0.1:%d
""" % tuple(b.port for b in started)


def tags(port, n):
    counts = {}
    for _ in range(n):
        t = exchange(port, b"x").split(b":")[0].decode()
        counts[t] = counts.get(t, 0) + 1
    return counts


def reload_workflow(which, starter, tmp_path, servers):
    started, moved = servers
    state = str(tmp_path / (which + ".state"))
    cfg = reload_cfg(state, servers)
    old, sock, _ = run_one(starter, tmp_path, which + "-old", cfg)
    # s3 up after its first check (the field after the weights is the
    # seconds since the last change: any)
    wait_until(lambda: re.search(r" s3 127\.0\.0\.1 2 0 1 1 \d+ 6 ", admin_cli(sock, "show servers state")), 10,
               which + ": s3's first check")
    for cmd in ("set server be/s1 addr 127.0.0.2 port %d" % moved.port, "set server be/s2 weight 5",
                "set server be/s3 state maint", "disable health be/s3", "set server be/s4 state ready",
                "set server be/s5 state drain"):
        admin_cli(sock, cmd)
    dump = admin_cli(sock, "show servers state")
    with open(state, "w") as f:           # echo "show servers state" | socat ... > state
        f.write(dump)
    old.kill()
    new, sock, port = run_one(starter, tmp_path, which + "-new", cfg)
    restored = admin_cli(sock, "show servers state")
    ports = [b.port for b in started] + [moved.port]
    counts = tags(port, 32)
    # which servers take traffic, and in the order of their weights
    return masked(dump, ports), masked(restored, ports), state_log(new), sorted(counts, key=counts.get)


def test_reload_workflow_matches_haproxy(tollgate, haproxy, tmp_path, servers):
    out = {}
    for which, starter in (("haproxy", haproxy), ("tollgate", tollgate)):
        out[which] = reload_workflow(which, starter, tmp_path, servers)
    dump, restored, log, counts = out["tollgate"]
    assert out["tollgate"] == out["haproxy"], out
    lines = {l.split()[3]: l.split() for l in restored[2:] if l}
    assert lines["s1"][4] == "127.0.0.2" and lines["s1"][18] == "P5"     # address and port kept
    assert lines["s2"][7:9] == ["5", "20"]                             # runtime weight kept
    assert lines["s3"][5:7] == ["0", "1"] and lines["s3"][13] == "10"  # maint, health check disabled
    assert lines["s4"][5:7] == ["2", "4"]                              # `disabled`, made ready
    assert lines["s5"][6] == "8"                                       # drain
    # s1 (moved, weight 10), s2 (weight 5), s4 (weight 1): s3 in maintenance, s5 draining
    assert counts == ["D", "B", "E"], counts
    assert "WARNING: config : Server be/s5 remains in forced drain mode." in log


def test_configuration_change_wins(tollgate, haproxy, tmp_path, servers):
    """A weight changed in the configuration, or `disabled` added, wins over
    the file, as HAProxy."""
    started, _ = servers
    out = {}
    for which, starter in (("haproxy", haproxy), ("tollgate", tollgate)):
        state = tmp_path / (which + ".state")
        state.write_text(
            "1\n# header\n"
            "3 be 1 s1 127.0.0.1 2 0 7 10 0 1 0 2 0 0 0 0 - %d - 0 0 - - 0\n"
            "3 be 2 s2 127.0.0.1 2 0 3 3 0 1 0 2 0 0 0 0 - %d - 0 0 - - 0\n"
            "3 be 3 s3 127.0.0.1 2 1 1 1 0 1 0 2 0 0 0 0 - %d - 0 0 - - 0\n"
            % (started[0].port, started[1].port, started[2].port))
        cfg = head("%(sock)s", "    server-state-file " + str(state)) + """
    load-server-state-from-file global
frontend fe
    bind 127.0.0.1:%%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%d weight 20
    server s2 127.0.0.1:%d weight 3
    server s3 127.0.0.1:%d disabled
""" % (started[0].port, started[1].port, started[2].port)
        _, sock, _ = run_one(starter, tmp_path, which, cfg)
        out[which] = masked(admin_cli(sock, "show servers state"), [b.port for b in started])
    assert out["tollgate"] == out["haproxy"], out
    assert out["tollgate"][2].split()[6:9] == ["0", "20", "20"]   # configured weight changed
    assert out["tollgate"][3].split()[6:9] == ["0", "3", "3"]     # runtime weight kept
    assert out["tollgate"][4].split()[5:7] == ["0", "5"]          # disabled in the configuration


def test_local_files_and_base(tollgate, haproxy, tmp_path, servers):
    """`local`: each backend reads its own file under `server-state-base`
    (`server-state-file-name`, default the backend's name); a line of
    another backend id or an unknown server is warned about."""
    started, _ = servers
    out = {}
    for which, starter in (("haproxy", haproxy), ("tollgate", tollgate)):
        base = tmp_path / (which + "-states")
        base.mkdir()
        (base / "be1").write_text(
            "1\n"
            "3 be1 1 s1 127.0.0.1 2 1 1 1 0 1 0 2 0 0 0 0 - %d - 0 0 - - 0\n"
            "9 be1 2 gone 127.0.0.1 2 1 1 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0\n"
            "7 other 1 s1 127.0.0.1 2 1 1 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0\n" % started[0].port)
        (base / "custom").write_text(
            "1\n"
            "4 be2 1 s1 127.0.0.1 2 8 1 1 0 1 0 2 0 0 0 0 - %d - 0 0 - - 0\n" % started[1].port)
        cfg = head("%(sock)s", "    server-state-base " + str(base)) + """
    load-server-state-from-file local
frontend fe
    bind 127.0.0.1:%%(port)d
    default_backend be1
backend be1
    server s1 127.0.0.1:%d
backend be2
    server-state-file-name custom
    server s1 127.0.0.1:%d
backend be3
    server s1 127.0.0.1:%d
""" % (started[0].port, started[1].port, started[2].port)
        proc, sock, _ = run_one(starter, tmp_path, which, cfg)
        # a missing file: a notice since 2.6.15 (2.6.12 warns)
        out[which] = (masked(admin_cli(sock, "show servers state"), [b.port for b in started]),
                      [l.replace(str(base), "BASE").replace("WARNING: config : Proxy 'be3': Can't open",
                                                            "NOTICE: config : Proxy 'be3': Can't open")
                       for l in state_log(proc)])
    assert out["tollgate"] == out["haproxy"], out
    dump, log = out["tollgate"]
    assert dump[2].split()[6] == "1" and dump[3].split()[6] == "8", dump
    assert "WARNING: config : Proxy 'be1': can't find server 'gone' in backend 'be1'" in log, log
    assert "NOTICE: config : Proxy 'be3': Can't open server state file 'BASE/be3': No such file or directory." in log, log


BAD_FILES = {
    # a line with too few fields: the whole file is ignored
    "garbage": "1\n# be_id ...\n3 be 1 s1 127.0.0.1 2 1 1 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0\nhello world\n",
    # a field out of range: that server's line only
    "field": "1\n3 be 1 s1 127.0.0.1 9 1 1 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0\n"
             "3 be 2 s2 127.0.0.1 2 1 x 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0\n"
             "3 be 3 s3 127.0.0.1 2 8 1 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0\n",
    # renamed server, missing backend: ignored
    "stale": "1\n3 be 1 old 127.0.0.1 2 1 1 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0\n"
             "3 gone 1 s1 127.0.0.1 2 1 1 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0\n"
             "3 be 2 s2 127.0.0.1 2 1 1 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0\n",
    "version": "2\n3 be 1 s1 127.0.0.1 2 1 1 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0\n",
    "truncated": "1\n3 be 1 s1 127.0.0.1 2 1 1 1 0 1 0 2 0 0 0 0 - 1 - 0 0 - - 0",
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_state_file(tollgate, haproxy, tmp_path, servers, kind):
    started, _ = servers
    out = {}
    for which, starter in (("haproxy", haproxy), ("tollgate", tollgate)):
        state = tmp_path / (which + ".state")
        state.write_text(BAD_FILES[kind])
        cfg = head("%(sock)s", "    server-state-file " + str(state)) + """
    load-server-state-from-file global
frontend fe
    bind 127.0.0.1:%%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%d
    server s2 127.0.0.1:%d
    server s3 127.0.0.1:%d
""" % (started[0].port, started[1].port, started[2].port)
        proc, sock, port = run_one(starter, tmp_path, which, cfg)
        out[which] = (masked(admin_cli(sock, "show servers state"), [b.port for b in started]),
                      [l.replace(str(state), "STATE") for l in state_log(proc)], sorted(tags(port, 12)))
    assert out["tollgate"] == out["haproxy"], out
    log = out["tollgate"][1]
    if kind == "garbage":
        assert log == ["WARNING: config : config: corrupted global server state file 'STATE' at line 3."], log
    if kind == "field":
        assert log == ["WARNING: config : server-state application failed for server 'be/s1', invalid srv_op_state value '9'",
                       "WARNING: config : server-state application failed for server 'be/s2', invalid srv_uweight value 'x'",
                       "WARNING: config : Server be/s3 remains in forced drain mode."], log


@pytest.mark.parametrize("content", [None, ""])
def test_missing_or_empty_state_file(tollgate, tmp_path, servers, content):
    """A missing or empty file is a notice (HAProxy 2.8+, and 2.6.15+: 2.6.12
    warns), and the servers start as configured."""
    started, _ = servers
    state = tmp_path / "state"
    if content is not None:
        state.write_text(content)
    cfg = head("%(sock)s", "    server-state-file " + str(state)) + """
    load-server-state-from-file global
frontend fe
    bind 127.0.0.1:%%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % started[0].port
    proc, sock, port = run_one(tollgate, tmp_path, "t", cfg)
    assert tags(port, 2) == {"A": 2}
    want = ("NOTICE: config : config: Can't open global server state file 'STATE': No such file or directory"
            if content is None else "NOTICE: config : config: Empty global server state file 'STATE'.")
    assert [l.replace(str(state), "STATE") for l in state_log(proc)] == [want]


def test_keywords_refused_where_haproxy_refuses(tmp_path):
    from conftest import run_check
    for line, msg in (("    load-server-state-from-file sometimes", "expects 'global', 'local' or 'none'"),
                      ("    server-state-file-name a b", "at most one argument")):
        rc, out, _ = run_check(head("/tmp/x.sock") + "backend be\n" + line + "\n    server s1 127.0.0.1:1\n", tmp_path)
        assert rc != 0 and msg in out and ":11]" in out, out
    rc, out, _ = run_check(head("/tmp/x.sock") + "frontend fe\n    bind :0\n    load-server-state-from-file global\n", tmp_path)
    assert rc != 0 and "load-server-state-from-file" in out, out
