"""Restart without loss: `stick-tables-state-file` saves every stick table
on a clean stop (and every `stick-tables-state-interval`) and restores it at
start with each entry's remaining lifetime and data; a changed table
definition restores what still fits and warns; a bad file warns, naming
the file, and the tables start empty (HAProxy has no such setting: it is
Tollgate's, so there is no side-by-side comparison)."""
import os
import re
import signal

from conftest import admin_cli, admin_ready, run_check, wait_until

CFG = """
global
    nbthread 2
    stats socket %(sock)s level admin
    stick-tables-state-file %(state)s
%(extra)s
backend t
    stick-table type ip size 1k expire %(expire)s store %(store)s
backend s
    stick-table type string len 16 size 1k store gpt0,server_id
"""

STORE = "http_req_cnt,gpc0,http_req_rate(10s),conn_cur,bytes_in_cnt"


def cfg(tmp_path, expire="30s", store=STORE, extra=""):
    return CFG % {"sock": tmp_path / "admin.sock", "state": tmp_path / "state",
                  "expire": expire, "store": store, "extra": extra}


def start(tollgate, tmp_path, text):
    t = tollgate(text)
    wait_until(lambda: admin_ready(str(tmp_path / "admin.sock")), what="admin socket")
    t.wait_log("started")   # the log lines of the restore come before it
    return t


def entries(tmp_path, table):
    """{key: {field: value}} of `show table <table>` (exp included)."""
    return show_table(str(tmp_path / "admin.sock"), table)


def show_table(sock, table):
    """{key: {field: value}} of `show table <table>` on the admin socket <sock>."""
    out = admin_cli(sock, "show table " + table, timeout=30)
    res = {}
    for line in out.splitlines():
        m = re.match(r"0x[0-9a-f]+: key=(\S+) (.*)", line)
        if m:
            res[m.group(1)] = dict(kv.split("=", 1) for kv in m.group(2).split())
    return res


def stop(t):
    t.signal(signal.SIGTERM)
    assert t.wait_exit() == 0


def fill(tmp_path):
    sock = str(tmp_path / "admin.sock")
    admin_cli(sock, "set table t key 10.0.0.1 data.http_req_cnt 5 data.gpc0 3 "
                    "data.http_req_rate 7 data.conn_cur 2 data.bytes_in_cnt 6000000000")
    admin_cli(sock, "set table t key 10.0.0.2 data.http_req_cnt 1")
    admin_cli(sock, "set table s key hello data.gpt0 9 data.server_id 2")


def test_restart_keeps_entries_and_remaining_lifetimes(tollgate, tmp_path):
    t = start(tollgate, tmp_path, cfg(tmp_path))
    assert "does not exist yet" in t.output()
    fill(tmp_path)
    # let the entries age measurably, then stop: their lives must go on, not restart
    wait_until(lambda: int(entries(tmp_path, "t")["10.0.0.1"]["exp"]) < 28500, what="aged entry")
    before = int(entries(tmp_path, "t")["10.0.0.1"]["exp"])
    stop(t)
    assert "Saved 3 stick-table entries to '%s'" % (tmp_path / "state") in t.output()
    assert not [f for f in os.listdir(tmp_path) if ".tmp." in f]

    t = start(tollgate, tmp_path, cfg(tmp_path))
    assert "Restored 3 stick-table entries" in t.output()
    e = entries(tmp_path, "t")
    a = e["10.0.0.1"]
    assert 0 < int(a["exp"]) <= before
    assert int(a["exp"]) > before - 5000
    assert a["http_req_cnt"] == "5" and a["gpc0"] == "3"
    assert a["bytes_in_cnt"] == "6000000000"
    assert 6 <= int(a["http_req_rate(10000)"]) <= 7
    assert a["conn_cur"] == "0"          # this process's connections: none
    assert e["10.0.0.2"]["http_req_cnt"] == "1"
    s = entries(tmp_path, "s")["hello"]
    assert s["gpt0"] == "9" and s["server_id"] == "2" and s["exp"] == "0"
    stop(t)


def test_periodic_save_survives_a_crash(tollgate, tmp_path):
    text = cfg(tmp_path, extra="    stick-tables-state-interval 200ms")
    t = start(tollgate, tmp_path, text)
    fill(tmp_path)
    state = tmp_path / "state"
    # a save after the entries exist: the file names the key
    wait_until(lambda: state.exists() and b"hello" in state.read_bytes(), what="periodic save")
    t.kill()
    t = start(tollgate, tmp_path, text)
    assert entries(tmp_path, "t")["10.0.0.1"]["http_req_cnt"] == "5"
    stop(t)


def test_changed_definition_restores_what_fits(tollgate, tmp_path):
    t = start(tollgate, tmp_path, cfg(tmp_path))
    fill(tmp_path)
    stop(t)
    text = cfg(tmp_path, expire="10s", store="http_req_cnt,http_req_rate(20s)").replace(
        "type string len 16", "type ip")
    t = start(tollgate, tmp_path, text)
    out = t.output()
    path = str(tmp_path / "state")
    assert "stick-tables-state-file '%s': table 't': 'gpc0' is no longer stored" % path in out
    assert "the period of 'http_req_rate' changed (10000 ms saved, 20000 ms now)" in out
    assert "remaining lifetimes are capped at 10000 ms" in out
    assert "table 's': key type changed (string saved, ip now)" in out
    a = entries(tmp_path, "t")["10.0.0.1"]
    assert a["http_req_cnt"] == "5" and "gpc0" not in a
    assert a["http_req_rate(20000)"] == "0"
    assert 0 < int(a["exp"]) <= 10000
    assert entries(tmp_path, "s") == {}
    stop(t)


def bad_file_starts_empty(tollgate, tmp_path, content, message):
    (tmp_path / "state").write_bytes(content)
    t = start(tollgate, tmp_path, cfg(tmp_path))
    out = t.output()
    assert "[WARNING]" in out and "stick-tables-state-file '%s'" % (tmp_path / "state") in out, out
    assert message in out, out
    assert "the tables start empty" in out
    assert entries(tmp_path, "t") == {}
    # the process serves on: the admin socket answers, a new entry works
    admin_cli(str(tmp_path / "admin.sock"), "set table t key 10.9.9.9 data.gpc0 1")
    assert entries(tmp_path, "t")["10.9.9.9"]["gpc0"] == "1"
    # the bad file is kept aside for inspection
    assert (tmp_path / "state.bad").read_bytes() == content
    stop(t)


def good_file(tollgate, tmp_path):
    t = start(tollgate, tmp_path, cfg(tmp_path))
    fill(tmp_path)
    stop(t)
    return (tmp_path / "state").read_bytes()


def test_corrupt_file(tollgate, tmp_path):
    img = bytearray(good_file(tollgate, tmp_path))
    img[len(img) // 2] ^= 0x55
    bad_file_starts_empty(tollgate, tmp_path, bytes(img), "corrupted or truncated (checksum mismatch)")


def test_truncated_file(tollgate, tmp_path):
    img = good_file(tollgate, tmp_path)
    bad_file_starts_empty(tollgate, tmp_path, img[: len(img) - 9], "corrupted or truncated")


def test_foreign_file(tollgate, tmp_path):
    bad_file_starts_empty(tollgate, tmp_path, b"1\n# table: t, type: ip\n" * 20,
                          "not a Tollgate stick-table state file")


def test_keywords_checked(tmp_path):
    ok = "global\n    stick-tables-state-file /tmp/x\n    stick-tables-state-interval 30s\n"
    assert run_check(ok, tmp_path)[0] == 0
    rc, out, path = run_check("global\n    stick-tables-state-interval soon\n", tmp_path)
    assert rc != 0 and "stick-tables-state-interval" in out and "%s:2" % path in out
    rc, out, path = run_check("global\n    stick-tables-state-file\n", tmp_path)
    assert rc != 0 and "expects a file path" in out and "%s:2" % path in out


def test_saves_work_after_chroot(tollgate, tmp_path):
    """The state file's directory is opened before `chroot`: the save on
    stop lands at the configured path, outside the jail (root only: the
    tests run as root in CI)."""
    assert os.getuid() == 0, "chroot needs root"
    jail = tmp_path / "jail"
    jail.mkdir()
    t = start(tollgate, tmp_path, cfg(tmp_path, extra="    chroot %s" % jail))
    fill(tmp_path)
    stop(t)
    assert "Saved 3 stick-table entries" in t.output(), t.output()
    assert b"hello" in (tmp_path / "state").read_bytes()
    assert os.listdir(jail) == []
