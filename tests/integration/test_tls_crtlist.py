"""crt-list on bind lines (HAProxy's format: per-line [options] and SNI
filters, negative filters, wildcards) and the admin socket's
`show/add/del ssl crt-list`, compared with HAProxy 2.6 on the same
configuration and the same certificates."""
import re
import subprocess

import pytest

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, run_check, wait_until
import tlscerts


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_all(tmp_path_factory.mktemp("certs"))


CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d ssl crt-list %(list)s
    http-request return status 200 content-type text/plain lf-string "sni=%%[ssl_fc_sni]\\n"
"""


def crt_list(certs, tmp_path, name="list.txt"):
    """The list: a default (RSA www), a wildcard with a negative filter and
    its own ALPN and versions, an ECDSA certificate for one name with its
    own ciphers (the client's algorithms choose between it and the RSA
    certificate of line 1 for that name), comments and a blank line."""
    path = tmp_path / name
    path.write_text("# the default first\n"
                    "%(rsa)s\n"
                    "\n"
                    "%(other)s [alpn http/1.1,foo ssl-max-ver TLSv1.2 verify none] *.wild.test !no.wild.test\n"
                    "%(ecdsa)s [ciphers ECDHE-ECDSA-AES128-GCM-SHA256] www.example.com\n" % certs)
    return str(path)


def hello(port, name, args=()):
    """What a client sees: the certificate's CN and key size, the protocol
    and the ALPN."""
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port]
    cmd += (["-servername", name] if name else ["-noservername"]) + list(args)
    out = subprocess.run(cmd, input=b"", capture_output=True, timeout=10).stdout.decode(errors="replace")
    seen = []
    for line in out.splitlines():
        if line.startswith("subject="):
            seen.append(line.split("CN = ")[1].split(",")[0])
        elif line.startswith(("Server public key is", "ALPN protocol", "No ALPN", "New, ")):
            seen.append(line.split(", Cipher")[0].strip())
    return seen


def start_both(tollgate, haproxy, certs, tmp_path):
    lst = crt_list(certs, tmp_path)
    got = []
    for name, start in (("tg", tollgate), ("ha", haproxy)):
        sock, port = str(tmp_path / (name + ".sock")), free_port()
        start(CFG % {"sock": sock, "port": port, "list": lst}, port=port)
        wait_until(lambda: admin_ready(sock), 5, "admin socket")
        got.append((sock, port))
    return lst, got


NAMES = [("www.example.com", ()), ("www.example.com", ("-sigalgs", "RSA-PSS+SHA256:RSA+SHA256")),
         ("example.com", ()), ("a.wild.test", ("-alpn", "foo")), ("a.wild.test", ("-tls1_3",)),
         ("no.wild.test", ()), ("unknown.test", ())]


def test_crt_list_selects_like_haproxy(tollgate, haproxy, certs, tmp_path):
    _, ends = start_both(tollgate, haproxy, certs, tmp_path)
    seen = [[hello(port, n, a) for n, a in NAMES] for _, port in ends]
    assert seen[0] == seen[1], seen
    # what was compared is what the list says
    www_ec, www_rsa, apex, wild_alpn, wild_13, neg, unknown = seen[0]
    assert "Server public key is 256 bit" in www_ec and "Server public key is 2048 bit" in www_rsa
    assert "ALPN protocol: foo" in wild_alpn and "other.test" in wild_alpn
    assert "New, TLSv1.2" in wild_alpn and not any("New, TLS" in x for x in wild_13), wild_13
    assert neg[0] == "www.example.com" and unknown[0] == "www.example.com", (neg, unknown)


def norm(text):
    # HAProxy 2.6 writes a NUL and a space after an ALPN list; the bind's
    # configuration file is named after each process
    return re.sub(r"\t- \S+:(\d+)", r"\t- CFG:\1", text.replace("\x00", "").replace("  ", " "))


def test_show_add_del_ssl_crt_list_like_haproxy(tollgate, haproxy, certs, tmp_path):
    lst, ends = start_both(tollgate, haproxy, certs, tmp_path)
    cmds = ["show ssl crt-list", "show ssl crt-list " + lst, "show ssl crt-list -n " + lst,
            "show ssl crt-list -n", "show ssl crt-list /nonexistent",
            # errors
            "add ssl crt-list /nonexistent " + certs["rsa"],
            "add ssl crt-list %s %s" % (lst, certs["client"]),
            "add ssl crt-list %s <<\n%s [bogus 1] x.test\n" % (lst, certs["rsa"]),
            "add ssl crt-list %s <<\n%s\n%s\n" % (lst, certs["rsa"], certs["rsa"]),
            "del ssl crt-list %s %s" % (lst, certs["rsa"]),
            "del ssl crt-list %s %s:x" % (lst, certs["other"]),
            "del ssl crt-list %s %s:9" % (lst, certs["other"]),
            "del ssl crt-list %s %s" % (lst, certs["client"]),
            # a line for a certificate in memory, with options and filters
            "add ssl crt-list %s <<\n%s [alpn bar ssl-min-ver TLSv1.2] added.test !x.added.test\n"
            % (lst, certs["ecdsa"]),
            "add ssl crt-list %s %s" % (lst, certs["other"]),
            "show ssl crt-list -n " + lst,
            "del ssl crt-list %s %s" % (lst, certs["other"]),
            "del ssl crt-list %s %s:4" % (lst, certs["other"]),
            "show ssl crt-list -n " + lst]
    answers = []
    for sock, port in ends:
        got = []
        for c in cmds:
            got.append(norm(admin_cli(sock, c)))
            if c.startswith("add ssl crt-list %s <<\n%s [alpn bar" % (lst, certs["ecdsa"])):
                got.append(hello(port, "added.test", ("-alpn", "bar")))
                got.append(hello(port, "x.added.test"))
        # the wildcard line is gone: the line added for the same file
        # serves its names (*.wild.test) now
        got.append(hello(port, "a.wild.test"))
        answers.append(got)
    for t, h, c in zip(answers[0], answers[1], cmds + ["", "", ""]):
        assert t == h, (c, t, h)
    assert "Success!" in answers[0][13] and "ALPN protocol: bar" in answers[0][14], answers[0][13:16]
    assert answers[0][15][0] == "www.example.com" and answers[0][-1][0] == "other.test", answers[0]
    assert "deleted in crtlist" in answers[0][-3], answers[0][-3]


def test_star_filter_is_a_default(tollgate, certs, tmp_path):
    """'*' makes a line a default certificate for names no line serves
    (HAProxy's documented rule; 2.6 ignores it, later versions follow it)."""
    path = tmp_path / "star.txt"
    path.write_text("%(rsa)s\n%(other)s *\n" % certs)
    sock, port = str(tmp_path / "s.sock"), free_port()
    tollgate(CFG % {"sock": sock, "port": port, "list": path}, port=port)
    assert hello(port, "www.example.com")[0] == "www.example.com"
    assert hello(port, "nothing.test")[0] == "other.test"
    assert hello(port, "")[0] == "other.test"


@pytest.mark.parametrize("line,msg", [
    ("%(rsa)s [verify maybe]", "parsing [%(list)s:1]: 'crt-list' : 'verify' : expected"),
    ("[alpn h2] x.test", "parsing [%(list)s:1]: file must start with a cert"),
    ("%(rsa)s [alpn h2", "parsing [%(list)s:1]: missing ']'"),
    ("%(rsa)s x.test [alpn h2]", "parsing [%(list)s:1]: malformated line, filters can't be between"),
    ("%(rsa)s [npn h2]", "option 'npn' : NPN is obsolete"),
    ("%(rsa)s [crt x]", "parsing [%(list)s:1]: unknown ssl keyword crt"),
    ("/nonexistent.pem", "cannot open certificate file '/nonexistent.pem'"),
])
def test_crt_list_errors_name_the_line(certs, tmp_path, line, msg):
    path = tmp_path / "bad.txt"
    path.write_text((line + "\n") % certs)
    rc, out, _ = run_check(CFG % {"sock": tmp_path / "x.sock", "port": free_port(), "list": path}, tmp_path)
    assert rc != 0 and "t.cfg:13" in out and msg % {"list": path} in out, out
    rc, out, _ = run_check(CFG % {"sock": tmp_path / "x.sock", "port": free_port(), "list": tmp_path / "no"},
                           tmp_path)
    assert rc != 0 and "cannot open file" in out, out


def test_new_set_commit_add_del_ssl_cert_like_haproxy(tollgate, haproxy, certs, tmp_path):
    """A certificate pushed at runtime (new, set, commit ssl cert), served
    by adding it to a crt-list, then removed (del ssl crt-list, del ssl
    cert): the same answers as HAProxy 2.6, and the name is served."""
    new = tlscerts.make_cert(certs["dir"], "pushed", ["pushed.test"], "ec")
    name = str(tmp_path / "pushed.pem")   # the name the store gets: no file there
    lst, ends = start_both(tollgate, haproxy, certs, tmp_path)
    pem = open(new).read()
    steps = ["new ssl cert " + name, "new ssl cert " + name, "new ssl cert " + certs["rsa"], "new ssl cert",
             "show ssl cert", "show ssl cert " + name,
             "add ssl crt-list %s %s" % (lst, name),
             "del ssl cert " + certs["rsa"], "del ssl cert /nonexistent.pem", "del ssl cert",
             "set ssl cert %s <<\n%s" % (name, pem), "del ssl cert " + name,
             "commit ssl cert " + name, "show ssl cert " + name,
             "add ssl crt-list %s <<\n%s newname.test\n" % (lst, name),
             "SERVE", "del ssl cert " + name,
             "del ssl crt-list %s %s" % (lst, name), "del ssl cert " + name, "show ssl cert", "SERVE"]
    answers = []
    for sock, port in ends:
        got = []
        for c in steps:
            if c == "SERVE":
                got.append(hello(port, "newname.test")[0])
            else:
                # the store's details: the validity dates are the same, the
                # lines are HAProxy's
                got.append(norm(admin_cli(sock, c)))
        answers.append(got)
    for t, h, c in zip(answers[0], answers[1], steps):
        assert t == h, (c, t, h)
    got = dict(zip(steps, answers[0]))
    assert "Status: Empty" in answers[0][5] and "Status: Unused" in answers[0][13], answers[0]
    assert answers[0][15] == "pushed.test" and answers[0][20] == "www.example.com", answers[0]
    assert "Certificate '%s' deleted!" % name in answers[0][18], answers[0][18]
    assert "in use, can't be deleted" in got["del ssl cert " + certs["rsa"]]


def test_crt_directory_is_a_crt_list_like_haproxy(tollgate, haproxy, certs, tmp_path):
    """A directory given to `crt` shows as a crt-list named after it (no
    trailing '/'), one line per file; `add ssl crt-list` on it takes a file
    of the directory only, without options."""
    import shutil
    d = tmp_path / "certdir"
    d.mkdir()
    for k in ("rsa", "other"):
        shutil.copy(certs[k], d)
    extra = str(d / "extra.pem")
    ends = []
    for name, start in (("tg", tollgate), ("ha", haproxy)):
        sock, port = str(tmp_path / (name + ".sock")), free_port()
        start(ADMIN_GLOBAL % {"sock": sock} + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d ssl crt %s/ crt %s
    http-request return status 200 content-type text/plain string ok
""" % (port, d, certs["ecdsa"]), port=port)
        wait_until(lambda: admin_ready(sock), 5, "admin socket")
        ends.append(sock)
    cmds = ["show ssl crt-list", "show ssl crt-list -n %s" % d, "show ssl cert",
            "add ssl crt-list %s %s" % (d, certs["ecdsa"]),
            "add ssl crt-list %s %s/www-rsa.pem" % (d, d),
            "add ssl crt-list %s <<\n%s [alpn h2] x.test\n" % (d, extra),
            "new ssl cert " + extra,
            "add ssl crt-list %s <<\n%s [alpn h2] x.test\n" % (d, extra),
            "del ssl crt-list %s %s/www-rsa.pem" % (d, d)]
    answers = [[norm(admin_cli(sock, c)) for c in cmds] for sock in ends]
    for t, h, c in zip(answers[0], answers[1], cmds):
        assert t == h, (c, t, h)
    assert answers[0][0].strip() == str(d) and "%s/other.pem:0" % d in answers[0][1], answers[0][:2]
