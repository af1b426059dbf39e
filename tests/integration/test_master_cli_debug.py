"""The master CLI's `mcli-debug-mode`, `@@<pid>` and `show fd` naming the
admin and master descriptors, side by side with Debian's HAProxy 2.6 where
2.6 has the feature (`@@` is HAProxy 3.x's: Tollgate only)."""
import os
import re

from conftest import admin_cli, start_both as start_stats_both
from test_cli_severity import CFG as STATS_CFG
from test_master_cli import Session, start_both
from test_master_worker import mcli

FD_LINE = re.compile(r"^\s+\d+ : .* owner=0x[0-9a-f]+ iocb=0x[0-9a-f]+\((\w+)\)")


def iocbs(text):
    """The callback names of a `show fd` answer; fails on another line."""
    names = []
    for line in filter(None, text.splitlines()):
        m = FD_LINE.match(line)
        assert m, line
        names.append(m.group(1))
    return names


def test_show_fd_names_the_master_socket_in_a_worker(tollgate, haproxy, tmp_path):
    socks = start_both(tollgate, haproxy, tmp_path)
    for name, sock in socks.items():
        names = iocbs(mcli(sock, "@1 show fd"))
        # the worker's end of the master's socket, as HAProxy names it
        assert "mworker_accept_wrapper" in names, (name, names)
        assert "unknown" not in names, (name, names)
    t = mcli(socks["tollgate"], "@1 show fd")
    assert re.search(r"\(mworker_accept_wrapper\) kind=master-listener tid=1$", t, re.M), t
    # the connection the master opened to relay this very command
    assert re.search(r"\(sock_conn_iocb\) kind=master-cli tid=1$", t, re.M), t




def test_show_fd_names_the_stats_socket(tollgate, haproxy, tmp_path, dead_port):
    both = start_stats_both(tollgate, haproxy, tmp_path, STATS_CFG, bport=dead_port)
    for name, (sock, _) in both.items():
        names = iocbs(admin_cli(sock, "show fd"))
        # HAProxy's names: the stats listener accepts, this session reads
        assert "sock_accept_iocb" in names and "sock_conn_iocb" in names, (name, names)
        assert "unknown" not in names, (name, names)
    t = admin_cli(both["tollgate"][0], "show fd")
    assert re.search(r"\(sock_accept_iocb\) kind=cli-listener tid=1$", t, re.M), t
    assert re.search(r"\(sock_conn_iocb\) kind=cli tid=1$", t, re.M), t


def test_mcli_debug_mode_as_haproxy(tollgate, haproxy, tmp_path):
    socks = start_both(tollgate, haproxy, tmp_path)
    for name, sock in socks.items():
        # off: the master has no `show fd`
        assert mcli(sock, "show fd").startswith("Unknown command"), name
        # on: the master's own descriptors, its CLI's among them
        names = iocbs(mcli(sock, "mcli-debug-mode on; show fd"))
        assert "sock_accept_iocb" in names and "sock_conn_iocb" in names, (name, names)
        # admin only; the refusal closes the session
        assert mcli(sock, "user; mcli-debug-mode on; show version") == "Permission denied!\n", name
        assert mcli(sock, "operator; mcli-debug-mode on") == "Permission denied!\n", name
    # the "d" flag of the prompt, after the others
    prompts = {}
    for name, sock in socks.items():
        s = Session(sock)
        prompts[name] = [s.ask(line) for line in ("prompt", "mcli-debug-mode on", "expert-mode on",
                                                  "mcli-debug-mode off")]
        s.close()
    assert prompts["tollgate"] == prompts["haproxy"] == \
        ["master> ", "master(d)> ", "master(ed)> ", "master(e)> "]


def test_double_at_runs_a_whole_line_in_one_worker_session(tollgate, haproxy, tmp_path):
    sock = start_both(tollgate, haproxy, tmp_path)["tollgate"]
    # the ';' go to the worker: one session, so its state carries over
    assert mcli(sock, "@@1 set severity-output number; set weight nope/s1 1; show version") == \
        "\n[3]: No such backend.\n\n[6]: %s\n\n" % mcli(sock, "show version").strip()
    # the master goes on with the next line afterwards
    assert mcli(sock, "@@1 show cli level\nshow cli level") == "admin\n\nadmin\n\n"
    assert mcli(sock, "operator; @@1 show cli level") == "operator\n\n"
    assert mcli(sock, "@@9 show version") == "Can't find the target PID matching the prefix '@@9'\n"
    # alone: the session is the worker's until it closes
    s = Session(sock)
    assert s.ask("prompt") == "master> "
    s.PROMPT = re.compile(rb"> $")   # the worker's own prompt from now on
    assert s.ask("@@1") == "\n> "
    assert s.ask("set severity-output string") == "\n> "
    assert s.ask("set weight nope/s1 1") == "[err]: No such backend.\n\n> "
    assert s.closed_after("quit") == ""
    s.close()


def keys(text):
    """The keys of `show info` / `show activity` lines ("Name: x")."""
    return [l.split(":")[0] for l in text.splitlines() if ": " in l]


def test_debug_mode_master_answers_for_itself(tollgate, haproxy, tmp_path):
    """With `mcli-debug-mode on`, the master answers show info, show env,
    show activity, show sess and show backend about itself, in HAProxy
    2.6's layouts, and lists them in its help."""
    socks = start_both(tollgate, haproxy, tmp_path)
    out = {}
    for name, sock in socks.items():
        d = "mcli-debug-mode on; "
        out[name] = {cmd: mcli(sock, d + cmd) for cmd in
                     ("help", "show info", "show env HOME", "show env TOLLGATE_NO_SUCH_VAR",
                      "show activity", "show sess", "show backend")}
        # off: the master does not know them
        assert mcli(sock, "show info").startswith("Unknown command"), name
    tg, hp = out["tollgate"], out["haproxy"]
    # help: each line Tollgate lists is HAProxy's, in HAProxy's order
    tg_help = tg["help"].splitlines()
    hp_help = hp["help"].splitlines()
    assert [l for l in hp_help if l in tg_help] == tg_help, tg["help"]
    for cmd in ("show info", "show env", "show activity", "show sess", "show backend"):
        assert any(l.startswith("  " + cmd) for l in tg_help), cmd
    # show info: HAProxy's keys, in its order, the master's values
    ti, hi = keys(tg["show info"]), keys(hp["show info"])
    assert ti[:9] == hi[:9] and [k for k in hi if k in ti] == ti, (ti, hi)
    info = dict(l.split(": ", 1) for l in tg["show info"].splitlines() if ": " in l)
    assert info["Nbthread"] == "1" and int(info["Pid"]) == tollgate_master_pid(socks["tollgate"])
    assert re.match(r"\d+d \d+h\d\dm\d\ds$", info["Uptime"]), info["Uptime"]
    assert int(info["CurrConns"]) == 1 and int(info["CumConns"]) >= 2
    # show env: the master's environment, HAProxy's error text
    assert tg["show env HOME"] == hp["show env HOME"] == "HOME=%s\n\n" % os.environ["HOME"]
    assert tg["show env TOLLGATE_NO_SUCH_VAR"] == hp["show env TOLLGATE_NO_SUCH_VAR"] == "Variable not found\n\n"
    # show activity: one thread's layout ("name: value"), HAProxy's names in its order
    assert keys(tg["show activity"]) == keys(hp["show activity"])
    act = dict(l.split(": ", 1) for l in tg["show activity"].splitlines() if ": " in l)
    assert act["thread_id"] == "1 (1..1)" and int(act["loops"]) > 0 and int(act["accepted"]) >= 5
    # show sess: the session asking, frontend and backend MASTER
    for name in out:
        lines = [l for l in out[name]["show sess"].splitlines() if l]
        assert len(lines) == 1, (name, lines)
    ft = dict(re.findall(r"\b(\w+)=(\S+)", tg["show sess"]))
    fh = dict(re.findall(r"\b(\w+)=(\S+)", hp["show sess"]))
    for k in ("proto", "src", "fe", "be", "srv", "ts"):
        assert ft[k] == fh[k], (k, ft, fh)
    assert tg["show backend"] == hp["show backend"] == "# name\n\n"


def tollgate_master_pid(sock):
    """The master's pid, from show proc's master line."""
    return int(mcli(sock, "show proc").split("\n")[1].split()[0])
