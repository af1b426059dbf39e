"""External checks (`option external-check`, `external-check command|path`,
global `external-check` and `insecure-fork-wanted`): the command gets
HAProxy's arguments and environment, its exit code decides, a command that
runs past the deadline is killed. Compared with haproxy 2.6."""
import os
import re
import stat

import pytest

from conftest import HAPROXY, free_port, run_check, wait_until

SCRIPT = """#!/bin/sh
# records its arguments and environment, then exits with the code in ./code
dir=$(dirname "$0")
{ echo "ARGS $*"; env | sort; } > "$dir/run.$$.tmp" && mv "$dir/run.$$.tmp" "$dir/$1.run.$$"
[ -f "$dir/sleep" ] && sleep 10
exit $(cat "$dir/code" 2>/dev/null || echo 0)
"""


def make_check_dir(tmp_path, which, code=0, sleep=False):
    d = tmp_path / which
    d.mkdir()
    script = d / "chk.sh"
    script.write_text(SCRIPT)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    (d / "code").write_text(str(code))
    if sleep:
        (d / "sleep").write_text("")
    return d, str(script)


def cfg(d, script, port, sport, glob="    external-check\n    insecure-fork-wanted\n", extra=""):
    return """
global
    stats socket %s/admin.sock level admin
%s
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen li
    bind 127.0.0.1:%d
    option external-check
    option log-health-checks
    external-check command %s
    external-check path "/usr/bin:/bin"
%s
    server srv 127.0.0.1:%d check inter 200ms rise 1 fall 1
""" % (d, glob, port, script, extra, sport)


def start(tollgate, haproxy, which, text, port):
    return (tollgate if which == "tollgate" else haproxy)(text, port=port)


def runs(d):
    return sorted(p for p in os.listdir(d) if ".run." in p)


@pytest.mark.parametrize("which", ["haproxy", "tollgate"])
def test_arguments_and_environment(tollgate, haproxy, tmp_path, which):
    d, script = make_check_dir(tmp_path, which)
    port, sport = free_port(), free_port()
    t = start(tollgate, haproxy, which, cfg(d, script, port, sport), port)
    t.wait_log("Health check for server li/srv succeeded, reason: External check passed, code: 0")
    # the fixture's readiness probe of the frontend is proxied to the
    # server: the first run may see it open (CURCONN=1); the next does not
    wait_until(lambda: len(runs(d)) >= 2, 10, "two runs recorded")
    got = max((d / r for r in runs(d)), key=lambda f: f.stat().st_mtime_ns).read_text().splitlines()
    expected = ["ARGS 127.0.0.1 %d 127.0.0.1 %d" % (port, sport)] + sorted([
        "HAPROXY_PROXY_ADDR=127.0.0.1", "HAPROXY_PROXY_ID=2", "HAPROXY_PROXY_NAME=li",
        "HAPROXY_PROXY_PORT=%d" % port, "HAPROXY_SERVER_ADDR=127.0.0.1",
        "HAPROXY_SERVER_CURCONN=0", "HAPROXY_SERVER_ID=1", "HAPROXY_SERVER_MAXCONN=0",
        "HAPROXY_SERVER_NAME=srv", "HAPROXY_SERVER_PORT=%d" % sport,
        "HAPROXY_SERVER_PROTO=tcp", "HAPROXY_SERVER_SSL=0", "PATH=/usr/bin:/bin",
        "PWD=" + os.getcwd()])
    # haproxy 2.6 numbers its first proxy 1 when no stats socket... it has
    # one here, as HAProxy 3.x does always: id 2
    assert got == expected, got


@pytest.mark.parametrize("which", ["haproxy", "tollgate"])
def test_exit_code_fails_the_check(tollgate, haproxy, tmp_path, which):
    d, script = make_check_dir(tmp_path, which, code=3)
    port = free_port()
    t = start(tollgate, haproxy, which, cfg(d, script, port, free_port()), port)
    t.wait_log("Health check for server li/srv failed, reason: External check error, code: 3")
    t.wait_log("Server li/srv is DOWN")


@pytest.mark.parametrize("which", ["haproxy", "tollgate"])
def test_command_past_deadline_is_killed(tollgate, haproxy, tmp_path, which):
    d, script = make_check_dir(tmp_path, which, sleep=True)
    port = free_port()
    t = start(tollgate, haproxy, which, cfg(d, script, port, free_port(), extra="    timeout check 300ms"), port)
    t.wait_log("Health check for server li/srv failed, reason: External check timeout")
    # the killed command is gone (reaped: no zombie left behind)
    wait_until(lambda: len(runs(d)) >= 2, 10, "two runs")
    pid = int(runs(d)[0].rsplit(".", 1)[1])
    wait_until(lambda: not os.path.exists("/proc/%d" % pid), 10, "child %d reaped" % pid)


def test_config_like_haproxy(tmp_path):
    d, script = make_check_dir(tmp_path, "c")
    port = free_port()
    # without the global keyword: refused
    text = cfg(d, script, port, 1, glob="")
    for binary in (HAPROXY, None):
        rc, out, _ = run_check(text, tmp_path, **({"binary": binary} if binary else {}))
        assert rc != 0 and "'option external-check' unable to find required 'global.external-check'" in out, out
    # without insecure-fork-wanted: a warning
    text = cfg(d, script, port, 1, glob="    external-check\n")
    for binary in (HAPROXY, None):
        rc, out, _ = run_check(text, tmp_path, **({"binary": binary} if binary else {}))
        assert rc == 0 and "'insecure-fork-wanted' not enabled in the global section" in out, out


def test_without_insecure_fork_the_check_fails(tollgate, tmp_path):
    d, script = make_check_dir(tmp_path, "t")
    port = free_port()
    t = tollgate(cfg(d, script, port, free_port(), glob="    external-check\n"), port=port)
    t.wait_log("Server li/srv is DOWN, reason: External check error")
    assert not runs(d)
