"""`make install`: the tree it leaves under DESTDIR, an installed binary
that runs and checks the installed example configuration, a manual page
that lists every command-line option, and a systemd unit that
`systemd-analyze verify` accepts."""
import os
import re
import subprocess

from conftest import ROOT

EXPECTED = {
    "usr/sbin/tollgate",
    "usr/share/man/man1/tollgate.1",
    "usr/lib/systemd/system/tollgate.service",
    "usr/share/doc/tollgate/README.md",
    "usr/share/doc/tollgate/LICENSE",
    "usr/share/doc/tollgate/configuration.md",
    "usr/share/doc/tollgate/management.md",
    "usr/share/doc/tollgate/examples/tollgate.cfg",
    "usr/share/doc/tollgate/examples/quickstart.cfg",
    "usr/share/doc/tollgate/contrib/tollgate.logrotate",
    "usr/share/doc/tollgate/contrib/49-tollgate.conf",
}


def install(destdir, prefix):
    p = subprocess.run(["make", "-s", "install", "DESTDIR=" + destdir, "PREFIX=" + prefix],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr


def files_under(top):
    out = set()
    for d, _, names in os.walk(top):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), top))
    return out


def test_make_install_tree_binary_and_manual(tmp_path):
    dest = str(tmp_path / "root")
    install(dest, "/usr")
    tree = files_under(dest)
    assert EXPECTED <= tree, sorted(EXPECTED - tree)
    # nothing outside the prefix (nothing in /etc: the snippets go with the docs)
    assert all(f.startswith("usr/") for f in tree), sorted(tree)
    sbin = os.path.join(dest, "usr/sbin/tollgate")
    assert os.access(sbin, os.X_OK)
    assert oct(os.stat(os.path.join(dest, "usr/share/man/man1/tollgate.1")).st_mode)[-3:] == "644"
    v = subprocess.run([sbin, "-v"], capture_output=True, text=True)
    assert v.returncode == 0 and v.stdout.startswith("Tollgate version ")
    c = subprocess.run([sbin, "-c", "-f", os.path.join(dest, "usr/share/doc/tollgate/examples/tollgate.cfg")],
                       capture_output=True, text=True)
    assert c.returncode == 0, c.stdout + c.stderr
    # the unit runs the installed binary, the prefix substituted
    unit = open(os.path.join(dest, "usr/lib/systemd/system/tollgate.service")).read()
    assert "ExecStart=/usr/sbin/tollgate -Ws -f $CONFIG -p $PIDFILE $EXTRAOPTS" in unit
    assert "@SBINDIR@" not in unit and "@DOCDIR@" not in unit
    # master-worker with systemd's notify protocol, reloaded through the master as Debian's haproxy unit
    assert "Type=notify" in unit and "ExecReload=/bin/kill -USR2 $MAINPID" in unit

    # every option of the usage text is documented in the manual page
    usage = subprocess.run([sbin, "-h"], capture_output=True, text=True).stdout
    opts = set()
    for tok in re.findall(r"(?<![\w-])-{1,2}[A-Za-z][A-Za-z-]*", usage):
        if tok == "-vdVD":
            opts |= {"-v", "-d", "-V", "-D"}
        else:
            opts.add(tok)
    assert {"-f", "-c", "-cc", "-sf", "-st", "-x", "-vv", "-db"} <= opts, opts
    man = open(os.path.join(dest, "usr/share/man/man1/tollgate.1")).read()
    documented = set(m.replace("\\-", "-") for m in re.findall(r"^\.(?:B|BR) (\\-[\\\w-]+)", man, re.M))
    documented |= set(m.replace("\\-", "-") for m in re.findall(r'", (\\-[\\\w-]+)', man))
    assert opts <= documented, sorted(opts - documented)
    # it renders
    r = subprocess.run(["man", "-l", "-P", "cat", os.path.join(dest, "usr/share/man/man1/tollgate.1")],
                       capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80"))
    assert r.returncode == 0 and "tollgate - fast, HAProxy-compatible" in r.stdout


def test_systemd_unit_verifies(tmp_path):
    # installed with its prefix inside tmp_path, so that the commands the
    # unit names exist where it says
    prefix = str(tmp_path / "usr")
    install("", prefix)
    unit = os.path.join(prefix, "lib/systemd/system/tollgate.service")
    r = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True,
                       env=dict(os.environ, MANPATH=os.path.join(prefix, "share/man")))
    assert r.returncode == 0 and not r.stderr.strip(), r.stdout + r.stderr
    # a broken unit is refused: the check can fail
    bad = tmp_path / "bad.service"
    bad.write_text(open(unit).read().replace("Type=notify", "Type=notif"))
    r = subprocess.run(["systemd-analyze", "verify", str(bad)], capture_output=True, text=True,
                       env=dict(os.environ, MANPATH=os.path.join(prefix, "share/man")))
    assert "service type" in r.stderr, r.stderr


def test_vv_in_haproxys_layout():
    """-vv: HAProxy's headings and line formats, Tollgate's facts; scripts
    that read HAProxy's (the feature list, the polling system, the
    services) read the same lines."""
    from conftest import BINARY, HAPROXY
    t = subprocess.run([BINARY, "-vv"], capture_output=True, text=True).stdout
    h = subprocess.run([HAPROXY, "-vv"], capture_output=True, text=True).stdout

    heads = ["Running on:", "Build options :", "Feature list :", "Default settings :",
             "Available polling systems :", "Total:", "Available multiplexer protocols :",
             "Available services :", "Available filters :"]

    def order(text):
        lines = text.splitlines()
        return [next(i for i, l in enumerate(lines) if l.startswith(x)) for x in heads]
    # the same headings, in the same order, in both
    assert order(t) == sorted(order(t)) and order(h) == sorted(order(h))
    assert t.startswith("Tollgate version ") and " - HAProxy 3.0 configuration language\n" in t.splitlines()[0] + "\n"
    feats = re.search(r"^Feature list : (.*)$", t, re.M).group(1).split()
    assert "+PROMEX" in feats and "+EPOLL" in feats and "+THREAD" in feats
    assert all(f[0] in "+-" for f in feats)
    for line in ("  TARGET  = linux-glibc", "Total: 1 (1 usable), will use epoll.",
                 "Available services : prometheus-exporter",
                 "      epoll : pref=300,  test result OK"):
        assert line in t.splitlines(), line
    assert re.search(r"^  CFLAGS  = .*-O\d", t, re.M)
    assert re.search(r"^Built with multi-threading support \(MAX_THREADS=\d+, default=\d+\)\.$", t, re.M)
    assert re.search(r"^  bufsize = 16384, maxrewrite = 1024, maxpollevents = \d+$", t, re.M)
    assert re.search(r"^  bufsize = \d+, maxrewrite = \d+, maxpollevents = \d+$", h, re.M)
