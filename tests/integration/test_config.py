"""The configuration language: -c, error messages naming file:line,
conditional blocks, environment variables, multiple files."""
import os
import subprocess

import pytest

from conftest import BINARY, HAPROXY, exchange, free_port, run_check

GOOD = """
global
    nbthread 2
    maxconn 500
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:18080
    default_backend be
backend be
    server s1 127.0.0.1:18081
"""


def test_valid_config(tmp_path):
    rc, out, _ = run_check(GOOD, tmp_path)
    assert rc == 0, out
    assert "Configuration file is valid" in out


# (configuration, line of the error, expected text)
BROKEN = [
    ("global\n    mxconn 100\n", 2, "unknown keyword 'mxconn' in 'global' section; did you mean 'maxconn' maybe ?"),
    ("frontnd fe\n", 1, "unknown keyword 'frontnd' out of section"),
    ("defaults\n    timeout clinet 5s\n", 2, "unknown timeout 'clinet'"),
    ("defaults\n    timeout client 5x\n", 2, "'timeout client'"),
    ("frontend fe\n    bind 127.0.0.1:99999\n", 2, "invalid port '99999'"),
    ("frontend fe\n    bind\n", 2, "'bind' expects"),
    ("backend be\n    balance roundrobn\n", 2, "unknown algorithm 'roundrobn'"),
    ("backend be\n    server s1 127.0.0.1:99999\n", 2, "invalid port '99999'"),
    ("backend be\n    server s1 127.0.0.1:80 weight 900\n", 2, "'weight' expects a number from 0 to 256"),
    ("backend be\n    server s1 127.0.0.1:80 bogus 1\n", 2, "unknown option 'bogus'"),
    ("backend be\n    bind :80\n", 2, "'bind' is not allowed in 'backend' sections"),
    ("frontend fe\n    server s 127.0.0.1:80\n", 2, "'server' is not allowed in 'frontend' sections"),
    ("global\n    nbthread 0\n", 2, "nbthread"),
    ("global\n    nbproc 4\n", 2, "'nbproc' is not supported"),
    ("frontend fe\n    bind :8080\n    default_backend nowhere\n", 1, "unable to find required default_backend: 'nowhere'"),
    ("frontend fe\n    bind :8080\n    use_backend nowhere\n", 3, "unable to find required use_backend: 'nowhere'"),
    ("frontend fe\n    mode http\n    bind :8080\n    http-request frobnicate\n", 4, "unknown"),
    ("backend be\n    server a 127.0.0.1:80\n    server a 127.0.0.1:81\n", 3, "already has a server named 'a'"),
    ("frontend x\n    bind :1\nbackend y\nfrontend x\n    bind :2\n", 4, "has the same name as frontend 'x'"),
    (".if defined(NOPE\n.endif\n", 1, ""),
    (".if 1\nglobal\n", 2, "non-terminated '.if' block opened at line 1"),
    (".alert \"stop here\"\n", 1, "stop here"),
    ("defaults from nowhere\n", 1, "unknown defaults section 'nowhere'"),
    ("frontend fe\n    acl bad src_prt 80\n", 2, "src_prt"),
]


@pytest.mark.parametrize("cfg,line,text", BROKEN)
def test_broken_config_names_file_and_line(tmp_path, cfg, line, text):
    rc, out, path = run_check(cfg, tmp_path, name="broken.cfg")
    assert rc != 0, out
    assert "[ALERT]" in out
    assert "broken.cfg:%d" % line in out, out
    assert text in out, out
    assert "Configuration file is valid" not in out


def test_conditional_blocks_and_env(tmp_path, backend, tollgate):
    a, b = backend("A"), backend("B")
    port = free_port()
    cfg = """
.if defined(TG_TEST_USE_B)
  .notice "using B"
.else
  .warning "using A"
.endif
global
    nbthread 1
.if feature(THREAD) && version_atleast(2.4)
    maxconn 100
.endif
.if streq("${TG_TEST_MODE-tcp}",tcp)
defaults
    mode tcp
    timeout connect 1s
    timeout client 5s
    timeout server 5s
.endif
listen lb
    bind "127.0.0.1:${TG_TEST_PORT}"
.if defined(TG_TEST_USE_B)
    server b "127.0.0.1:${TG_TEST_B}"
.else
    server a "127.0.0.1:${TG_TEST_A-1}"
.endif
"""
    env = dict(os.environ, TG_TEST_PORT=str(port), TG_TEST_A=str(a.port), TG_TEST_B=str(b.port))
    t = tollgate(cfg, port=port, env=env)
    assert exchange(port) == b"A:hello"
    assert "using A" in t.output()
    t.kill()
    env["TG_TEST_USE_B"] = "1"
    port2 = free_port()
    env["TG_TEST_PORT"] = str(port2)
    t2 = tollgate(cfg, port=port2, env=env, name="b.cfg")
    assert exchange(port2) == b"B:hello"
    assert "using B" in t2.output()


def test_several_files_and_a_directory(tmp_path, backend):
    a = backend("A")
    port = free_port()
    d = tmp_path / "conf.d"
    d.mkdir()
    (tmp_path / "00-global.cfg").write_text("global\n    nbthread 1\n")
    (d / "10-defaults.cfg").write_text("defaults\n    mode tcp\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n")
    (d / "20-listen.cfg").write_text("listen lb\n    bind 127.0.0.1:%d\n    server a 127.0.0.1:%d\n" % (port, a.port))
    (d / "ignored.txt").write_text("this is not a configuration\n")
    p = subprocess.run([BINARY, "-c", "-f", str(tmp_path / "00-global.cfg"), "-f", str(d)],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    assert "Configuration file is valid" in p.stdout


def test_command_line_errors():
    p = subprocess.run([BINARY], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert "No configuration file specified" in p.stderr
    p = subprocess.run([BINARY, "-f"], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert "option '-f' expects an argument" in p.stderr
    p = subprocess.run([BINARY, "-f", "/nonexistent/x.cfg"], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert "/nonexistent/x.cfg" in p.stderr
    p = subprocess.run([BINARY, "-vv"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0
    assert p.stdout.startswith("Tollgate version ")


def test_bind_conflict_is_reported(tmp_path, backend):
    import socket
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    cfg = tmp_path / "c.cfg"
    cfg.write_text("listen lb\n    bind 127.0.0.1:%d\n    server a 127.0.0.1:1\n" % port)
    p = subprocess.run([BINARY, "-db", "-f", str(cfg)], capture_output=True, text=True, timeout=10)
    busy.close()
    assert p.returncode != 0
    assert "cannot bind socket" in p.stderr and "c.cfg:2" in p.stderr, p.stderr


@pytest.mark.parametrize("name", ["quickstart.cfg", "tcp-roundrobin.cfg", "rate-limit.cfg", "persistence.cfg",
                                  "http-rate-limit.cfg", "cookie-persistence.cfg", "header-routing.cfg",
                                  "tls-sni-routing.cfg"])
def test_examples_are_valid(name):
    from conftest import ROOT
    p = subprocess.run([BINARY, "-c", "-f", os.path.join(ROOT, "examples", name)],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    assert "Configuration file is valid" in p.stdout


@pytest.mark.parametrize("expr,status", [
    ("version_atleast(2.5-dev0)", 0),
    ("version_before(2.0)", 1),
    ("feature(THREAD)", 0),
    ("feature(OPENSSL) || !feature(OPENSSL)", 0),
    ("feature(OPENSSL)", 0),
    ("feature(OPENSSL) && openssl_version_atleast(1.1.1)", 0),
    ("openssl_version_before(1.1.1)", 1),
    ("ssllib_name_startswith(OpenSSL)", 0),
    ("defined(TG_NOT_SET_ANYWHERE) && feature(THREAD)", 1),
    ("streq(a,a)", 0),
    ("strneq(a,a)", 1),
    ("foo(", 2),
    # read as a configuration line: quotes, environment variables
    ('defined(TG_CC_VAR) && streq("$TG_CC_VAR","1")', 0),
    ('streq("$TG_CC_VAR","2")', 1),
    ("streq(\"foo bar\",'foo bar')", 0),
    ('streq(a,"a)', 2),
    ("200rrr", 2),
    ("", 1),
])
@pytest.mark.parametrize("binary", [BINARY, HAPROXY])
def test_cc_evaluates_a_condition_like_haproxy(binary, expr, status):
    """-cc EXPR: exit 0 if the `.if` condition holds, 1 if not, 2 when it
    cannot be evaluated (VTest probes versions and features so)."""
    p = subprocess.run([binary, "-cc", expr], capture_output=True, text=True, timeout=10,
                       env=dict(os.environ, TG_CC_VAR="1"))
    assert p.returncode == status, p.stdout + p.stderr
    if status == 2 and binary == BINARY:
        assert "Failed to evaluate condition" in p.stderr, p.stderr



def test_cc_feature_agrees_with_vv_feature_list():
    """Each feature `-vv` lists as +X is true for `-cc 'feature(X)'`, each
    -X false: `.if feature(PROMEX)` must pick the branch `-vv` promises."""
    vv = subprocess.run([BINARY, "-vv"], capture_output=True, text=True, timeout=10).stdout
    line = next(l for l in vv.splitlines() if l.startswith("Feature list"))
    feats = line.split(":", 1)[1].split()
    assert feats
    for f in feats:
        p = subprocess.run([BINARY, "-cc", "feature(%s)" % f[1:]], capture_output=True, timeout=10)
        assert p.returncode == (0 if f[0] == "+" else 1), f

THREAD_GROUPS = GOOD.replace("    nbthread 2\n", "    nbthread 2\n    .if feature(THREAD)\n        thread-groups %d\n    .endif\n    %s\n")


@pytest.mark.parametrize("binary", [BINARY, HAPROXY])
def test_thread_groups_and_global_switches_are_accepted(tmp_path, binary):
    """HAProxy's regression tests all open with `thread-groups 1`; real
    configurations carry noreuseport and the experimental/fork switches."""
    for extra in ("noreuseport", "expose-experimental-directives", "insecure-fork-wanted",
                  "tune.idle-pool.shared off", "tune.idle-pool.shared on"):
        rc, out, _ = run_check(THREAD_GROUPS % (1, extra), tmp_path, binary=binary)
        assert rc == 0, out
    rc, out, _ = run_check(THREAD_GROUPS % (0, ""), tmp_path, binary=binary)
    assert rc != 0 and "t.cfg:5" in out, out


def test_thread_groups_above_one_warn(tmp_path):
    rc, out, _ = run_check(THREAD_GROUPS % (2, ""), tmp_path)
    assert rc == 0, out
    assert "t.cfg:5" in out and "'thread-groups 2' has no effect" in out, out
    rc, out, _ = run_check(THREAD_GROUPS % (1, "tune.idle-pool.shared on"), tmp_path)
    assert rc == 0 and "t.cfg:7" in out and "has no effect" in out, out
    rc, out, _ = run_check(THREAD_GROUPS % (1, "tune.idle-pool.shared maybe"), tmp_path)
    assert rc != 0 and "t.cfg:7" in out and "expects 'on' or 'off'" in out, out


def listeners_of(port):
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        return sum(1 for line in f.readlines()[1:]
                   if line.split()[1] == want and line.split()[3] == "0A")


@pytest.mark.parametrize("noreuseport,sockets", [(False, 2), (True, 1)])
def test_noreuseport_binds_one_socket(tollgate, backend, noreuseport, sockets):
    """Two threads bind a socket each (SO_REUSEPORT); with noreuseport one
    socket serves both, and connections still go through."""
    b = backend("A")
    port = free_port()
    cfg = GOOD.replace("18080", str(port)).replace("18081", str(b.port))
    if noreuseport:
        cfg = cfg.replace("    nbthread 2\n", "    nbthread 2\n    noreuseport\n")
    tollgate(cfg, port=port)
    assert listeners_of(port) == sockets
    assert exchange(port, b"x") == b"A:x"


NO_TIMEOUTS = """
frontend fe
    bind 127.0.0.1:8080
    mode http
    default_backend be
backend be
    mode http
    server s1 127.0.0.1:8001
"""

LOG_NOWHERE = """
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
listen x
    bind 127.0.0.1:8090
    option httplog
    server s1 127.0.0.1:8001
"""


@pytest.mark.parametrize("binary", [BINARY, HAPROXY])
def test_c_warns_where_haproxy_warns(tmp_path, binary):
    """Missing timeouts, a log format with no log address: valid, with a
    warning naming the proxy (HAProxy's conditions)."""
    rc, out, _ = run_check(NO_TIMEOUTS, tmp_path, binary=binary)
    assert rc == 0, out
    assert "missing timeouts for frontend 'fe'" in out and "missing timeouts for backend 'be'" in out, out
    rc, out, _ = run_check(LOG_NOWHERE, tmp_path, binary=binary)
    assert rc == 0 and "log format ignored for" in out and "'x' since it has no log address" in out, out
    rc, out, _ = run_check(LOG_NOWHERE.replace("    option httplog\n", "    log 127.0.0.1:514 local0\n    option httplog\n"),
                           tmp_path, binary=binary)
    assert rc == 0 and "WARNING" not in out, out
    if binary == BINARY:
        assert "t.cfg:2]" in run_check(NO_TIMEOUTS, tmp_path)[1]


@pytest.mark.parametrize("glob,expected", [("", "splice on"), ("nosplice", "splice off")])
def test_enabled_splice_follows_nosplice(tmp_path, glob, expected):
    """`.if enabled(SPLICE)` (HAProxy 2.8+; 2.6 has no enabled()) is true
    unless `nosplice` came before; FAST-FORWARD, REUSEPORT and EPOLL are on,
    POLL off; feature(LINUX_SPLICE) is there (option splice-* splices)."""
    cfg = ("global\n    %s\n.if enabled(SPLICE)\n.notice \"splice on\"\n.else\n.notice \"splice off\"\n.endif\n"
           ".if !enabled(FAST-FORWARD) || !enabled(REUSEPORT) || !enabled(EPOLL) || enabled(POLL) || "
           "!feature(LINUX_SPLICE)\n.alert \"wrong\"\n.endif\n") % glob
    rc, out, _ = run_check(cfg, tmp_path)
    assert rc == 0 and expected in out and "wrong" not in out, out
