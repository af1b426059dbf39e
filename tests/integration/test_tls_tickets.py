"""tls-ticket-keys: session tickets encrypted with the keys of a file, as
HAProxy does it, so exactly that a ticket HAProxy 2.6 issued resumes on
Tollgate and the other way round (same key file); `show tls-keys` and
`set ssl tls-key` (rotation) answer as HAProxy's."""
import base64
import os
import subprocess

import pytest

from conftest import ADMIN_GLOBAL, HTTP_DEFAULTS, admin_cli, admin_ready, free_port, run_check, wait_until
import tlscerts


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tlscerts.make_all(tmp_path_factory.mktemp("certs"))


def key(size=48):
    return base64.b64encode(os.urandom(size)).decode()


CFG = ADMIN_GLOBAL + HTTP_DEFAULTS + """
frontend fe
    bind 127.0.0.1:%(port)d ssl crt %(crt)s tls-ticket-keys %(keys)s
    http-request return status 200 content-type text/plain string ok
"""


def start_both(tollgate, haproxy, certs, tmp_path, size=48, n=4):
    keys = tmp_path / "keys.txt"
    keys.write_text("".join(key(size) + "\n" for _ in range(n)))
    ends = []
    for name, start in (("tg", tollgate), ("ha", haproxy)):
        sock, port = str(tmp_path / (name + ".sock")), free_port()
        start(CFG % {"sock": sock, "port": port, "crt": certs["rsa"], "keys": keys}, port=port)
        wait_until(lambda: admin_ready(sock), 5, "admin socket")
        ends.append((sock, port))
    return str(keys), ends


def session(port, version, sess_in=None, sess_out=None):
    """'New' or 'Reused', after a handshake with <port>."""
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, version, "-ign_eof"]
    cmd += ["-sess_in", sess_in] if sess_in else []
    cmd += ["-sess_out", sess_out] if sess_out else []
    # a request and its answer: the TLS 1.3 ticket comes after the handshake
    out = subprocess.run(cmd, input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=10).stdout.decode()
    return [l.split(",")[0] for l in out.splitlines() if l.startswith(("New,", "Reused,"))][0]


@pytest.mark.parametrize("size", [48, 80])
@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_tickets_resume_across_haproxy_and_tollgate(tollgate, haproxy, certs, tmp_path, size, version):
    _, ((_, tg), (_, ha)) = start_both(tollgate, haproxy, certs, tmp_path, size)
    for src, dst in ((ha, tg), (tg, ha), (tg, tg)):
        sess = str(tmp_path / ("s%d" % src))
        assert session(src, version, sess_out=sess) == "New"
        assert session(dst, version, sess_in=sess) == "Reused", (src, dst, version)


def test_show_and_set_tls_keys_like_haproxy(tollgate, haproxy, certs, tmp_path):
    keys, ends = start_both(tollgate, haproxy, certs, tmp_path)
    k1, k80 = key(), key(80)
    cmds = ["show tls-keys", "show tls-keys #0", "show tls-keys " + keys, "show tls-keys 0", "show tls-keys #1",
            "set ssl tls-key #0 " + k1, "show tls-keys *", "set ssl tls-key #0 abc",
            "set ssl tls-key #0 " + k80, "set ssl tls-key #1 " + k1, "set ssl tls-key",
            "set ssl tls-key %s %s" % (keys, key())]
    answers = [[admin_cli(sock, c) for c in cmds] for sock, _ in ends]
    for t, h, c in zip(answers[0], answers[1], cmds):
        assert t == h, (c, t, h)
    assert "TLS ticket key updated!" in answers[0][5] and k1 in answers[0][6], answers[0]
    lines = open(keys).read().split()
    assert answers[0][1].split()[-5::2] == lines[1:], answers[0][1]   # the last three, oldest first


def test_rotation_keeps_resuming_older_tickets(tollgate, haproxy, certs, tmp_path):
    """After `set ssl tls-key` the former newest key encrypts (on both: the
    tickets still cross); a ticket of the key before still resumes, one
    rotation later it is too old."""
    _, ends = start_both(tollgate, haproxy, certs, tmp_path)
    (tgs, tg), (has, ha) = ends
    old = str(tmp_path / "old")
    assert session(tg, "-tls1_2", sess_out=old) == "New"
    k = key()
    for sock in (tgs, has):
        assert "updated" in admin_cli(sock, "set ssl tls-key #0 " + k)
    sess = str(tmp_path / "new")
    assert session(ha, "-tls1_2", sess_out=sess) == "New"
    assert session(tg, "-tls1_2", sess_in=sess) == "Reused"
    assert session(tg, "-tls1_2", sess_in=old) == "Reused"
    # one more rotation: the key that encrypted it (the penultimate of the
    # file) is gone, while the file's newest is still there
    assert "updated" in admin_cli(tgs, "set ssl tls-key #0 " + key())
    assert session(tg, "-tls1_2", sess_in=old) == "New"


@pytest.mark.parametrize("lines,msg", [
    ([key(), key()], "please supply at least 3 keys in the tls-tickets-file"),
    ([key(), "not base64!", key()], "unable to decode base64 key on line 2"),
    ([key(), key(80), key()], "wrong sized key on line 2"),
])
def test_bad_key_files_stop_start_up(certs, tmp_path, lines, msg):
    keys = tmp_path / "keys.txt"
    keys.write_text("".join(l + "\n" for l in lines))
    rc, out, _ = run_check(CFG % {"sock": tmp_path / "s", "port": free_port(), "crt": certs["rsa"], "keys": keys},
                           tmp_path)
    assert rc != 0 and "t.cfg:13" in out and "'%s' : %s" % (keys, msg) in out, out
