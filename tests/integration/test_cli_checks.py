"""enable/disable health and agent on the admin socket: answers, `show
stat` and `show servers state` as Debian's HAProxy 2.6 on the same
configuration, and a disabled check really sends no probe."""
import csv
import io

from conftest import admin_cli, admin_ready, free_port, start_both, wait_until

CFG = """
global
    stats socket %(sock)s level admin
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 1s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(dead)d check inter 100 rise 1 fall 1
    server s2 127.0.0.1:%(live)d check inter 100 agent-check agent-port %(dead)d agent-inter 100
"""

# show stat columns a paused check empties (HAProxy shows the server as
# unchecked); Tollgate has no check_duration/last_chk/agent_duration yet.
CHECK_COLS = ["chkfail", "chkdown", "downtime", "check_status", "check_code", "check_desc",
              "check_rise", "check_fall", "check_health"]
AGENT_COLS = ["agent_status", "agent_desc"]


def stat(sock):
    text = admin_cli(sock, "show stat")
    rows = list(csv.reader(io.StringIO(text.lstrip("# "))))
    return {(r[0], r[1]): dict(zip(rows[0], r)) for r in rows[1:] if len(r) > 2}


def state_flags(sock):
    """srv_check_state and srv_agent_state of each server."""
    lines = admin_cli(sock, "show servers state be").splitlines()[2:]
    return {ln.split()[3]: (ln.split()[13], ln.split()[14]) for ln in lines if ln.strip()}


def test_enable_disable_health_agent_as_haproxy(tollgate, haproxy, backend, dead_port, tmp_path):
    live = backend("L")
    procs = start_both(tollgate, haproxy, tmp_path, CFG, dead=dead_port, live=live.port)
    for name, (sock, _) in procs.items():
        wait_until(lambda: stat(sock)[("be", "s1")]["check_status"] == "L4CON"
                   and stat(sock)[("be", "s2")]["agent_status"] == "L4CON", 10, name + "'s checks")

    for cmd in ["disable health be/s1", "disable agent be/s2", "disable agent be/s1",
                "enable agent be/s1", "disable health be/nope", "disable health nope/s1",
                "disable health", "enable health be/s1", "disable health be/s1"]:
        answers = {name: admin_cli(sock, cmd) for name, (sock, _) in procs.items()}
        assert answers["tollgate"] == answers["haproxy"], cmd

    rows = {name: stat(sock) for name, (sock, _) in procs.items()}
    for name in rows:
        s1, s2 = rows[name][("be", "s1")], rows[name][("be", "s2")]
        assert [s1[c] for c in CHECK_COLS] == [""] * len(CHECK_COLS), name
        assert [s2[c] for c in AGENT_COLS] == ["", ""], name
        assert s1["status"] == "DOWN" and s2["status"] == "UP", name
        assert s2["check_status"] == "L4OK", name
    flags = {name: state_flags(sock) for name, (sock, _) in procs.items()}
    assert flags["tollgate"] == flags["haproxy"] == {"s1": ("2", "0"), "s2": ("6", "18")}

    for name, (sock, _) in procs.items():
        assert admin_cli(sock, "enable health be/s1") == "\n"
        assert admin_cli(sock, "enable agent be/s2") == "\n"
        wait_until(lambda: stat(sock)[("be", "s1")]["check_status"] == "L4CON"
                   and stat(sock)[("be", "s2")]["agent_status"] == "L4CON", 10, name + "'s checks back")
        assert state_flags(sock) == {"s1": ("6", "0"), "s2": ("6", "22")}


PROBE_CFG = """
global
    stats socket %(sock)s level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 1s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    option httpchk GET /
    server s2 127.0.0.1:%(live)d check inter 100
    server s3 127.0.0.1:%(clock)d check inter 100
"""


def test_disabled_check_sends_no_probe(tollgate, http_backend, tmp_path):
    """While s2's check is disabled, s3's (same interval) goes on probing:
    s2 sees at most the probe that was in flight; enabled again, it is
    probed again."""
    live, clock = http_backend("L"), http_backend("C")
    sock = str(tmp_path / "t.sock")
    port = free_port()
    tollgate(PROBE_CFG % dict(sock=sock, port=port, live=live.port, clock=clock.port), port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    wait_until(lambda: len(live.requests) >= 2, 10, "probes")
    assert admin_cli(sock, "disable health be/s2") == "\n"
    before, ticks = len(live.requests), len(clock.requests)
    wait_until(lambda: len(clock.requests) >= ticks + 8, 10, "eight intervals of s3's check")
    assert len(live.requests) <= before + 1
    assert admin_cli(sock, "enable health be/s2") == "\n"
    wait_until(lambda: len(live.requests) >= before + 3, 10, "probes again")
