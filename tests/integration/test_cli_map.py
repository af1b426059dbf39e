"""Runtime map commands (add/set/del/clear/get/prepare/commit/show map)
through real admin sockets, answer for answer with Debian's HAProxy 2.6 on
the same configuration, and seen at once by the traffic's map lookups."""
import re
import urllib.request

from conftest import admin_cli, start_both

CFG = """
global
    nbthread 4
    stats socket %(sock)s level admin
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    http-request return status 200 content-type text/plain lf-string "%%[path,map(%(map)s,none)]"
"""


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
        return r.read().decode()


def masked(text):
    """An answer with its entry addresses (0x...) masked."""
    return re.sub(r"0x[0-9a-f]+", "PTR", text)


def both(tollgate, haproxy, tmp_path, content="/a v1\n/b v2\n"):
    path = tmp_path / "m.map"
    path.write_text(content)
    return start_both(tollgate, haproxy, tmp_path, CFG, map=str(path)), str(path)


def test_map_commands_as_haproxy(tollgate, haproxy, tmp_path):
    procs, m = both(tollgate, haproxy, tmp_path)
    steps = [
        ("show map " + m, {"/a": "v1", "/c": "none"}),
        ("add map %s /c v3" % m, {"/c": "v3"}),
        ("add map %s /c" % m, {}),
        ("add map", {}),
        ("add map nope /c v", {}),
        ("get map %s /c" % m, {}),
        ("get map %s /zz" % m, {}),
        ("set map %s /c v4" % m, {"/c": "v4"}),
        ("set map %s /zz v4" % m, {}),
        ("set map", {}),
        ("del map %s /zz" % m, {}),
        ("del map %s" % m, {}),
        ("del map %s #0x1234" % m, {}),
        ("del map %s /c" % m, {"/c": "none"}),
        ("get map %s" % m, {}),
        ("show map " + m, {}),
        ("add map %s <<\n/p one\n/q two  words\n" % m, {"/p": "one", "/q": "two  words"}),
        ("prepare map " + m, {}),
        ("add map @1 %s /n nv" % m, {"/n": "none", "/a": "v1"}),
        ("show map @1 " + m, {}),
        ("show map " + m, {}),
        ("commit map @5 " + m, {}),
        ("commit map @1 " + m, {"/n": "nv", "/a": "none"}),
        ("show map " + m, {}),
        ("clear map " + m, {"/n": "none"}),
        ("show map " + m, {}),
    ]
    for cmd, expect in steps:
        answers = {name: masked(admin_cli(sock, cmd)) for name, (sock, _) in procs.items()}
        assert answers["tollgate"] == answers["haproxy"], cmd
        for path, value in expect.items():
            for name, (_, port) in procs.items():
                assert get(port, path) == value, (name, cmd, path)


def test_list_counts_versions(tollgate, haproxy, tmp_path):
    procs, m = both(tollgate, haproxy, tmp_path)
    answers = {}
    for name, (sock, _) in procs.items():
        admin_cli(sock, "prepare map " + m)
        admin_cli(sock, "prepare map " + m)
        admin_cli(sock, "add map @2 %s /x y" % m)
        answers[name] = (admin_cli(sock, "show map").replace("haproxy.cfg", "tollgate.cfg"),
                         admin_cli(sock, "add map @9 %s /x y" % m))
    assert answers["tollgate"] == answers["haproxy"]
    sock = procs["tollgate"][0]
    lines = answers["tollgate"][0].splitlines()
    assert lines[0] == "# id (file) description"
    assert lines[1] == ("0 (%s) pattern loaded from file '%s' used by map at file '%s' line 12. "
                        "curr_ver=0 next_ver=2 entry_cnt=3" % (m, m, tmp_path / "tollgate.cfg"))
    assert admin_cli(sock, "show map #0") == admin_cli(sock, "show map " + m)
    # an entry named by its address, as "show map" prints it
    ref = admin_cli(sock, "show map " + m).split()[0]
    assert admin_cli(sock, "set map %s #%s w" % (m, ref)) == "\n"
    assert admin_cli(sock, "get map %s /a" % m).endswith('key="/a", value="w", type="str"\n\n')
    assert admin_cli(sock, "del map %s #%s" % (m, ref)) == "\n"
    assert get(procs["tollgate"][1], "/a") == "none"
    assert admin_cli(sock, "show map @9 " + m) == "\n"
    assert admin_cli(sock, "add map @9 %s /x y" % m) == \
        "Version number in the future, please use 'prepare map' before.\n\n"
    assert admin_cli(sock, "show map @x " + m) == "Version number must be a decimal number after '@'.\n\n"


def test_typed_values_refused_with_reason(tollgate, tmp_path):
    """A value the map's converters cannot convert is refused, and the map
    stays as it was."""
    path = tmp_path / "n.map"
    path.write_text("/a 1\n")
    sock = str(tmp_path / "t.sock")
    cfg = CFG.replace("map(%(map)s,none)", "map_str_int(%(map)s,0)")
    from conftest import admin_ready, free_port, wait_until
    port = free_port()
    tollgate(cfg % dict(sock=sock, port=port, map=str(path)), port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    assert admin_cli(sock, "add map %s /b x" % path) == \
        "map '%s' key '/b': 'x' is not an integer (map_str_int).\n\n" % path
    assert admin_cli(sock, "set map %s /a 2x" % path) == \
        "map '%s' key '/a': '2x' is not an integer (map_str_int).\n\n" % path
    assert get(port, "/a") == "1"
    assert admin_cli(sock, "add map %s /b 7" % path) == "\n"
    assert get(port, "/b") == "7"


def test_get_map_names_the_method(tollgate, haproxy, tmp_path):
    """get map answers with the matching method of the converter that uses
    the map (here map_beg), found or not."""
    path = tmp_path / "b.map"
    path.write_text("/api v1\n/static files\n")
    cfg = CFG.replace("map(%(map)s,none)", "map_beg(%(map)s,none)")
    procs = start_both(tollgate, haproxy, tmp_path, cfg, map=str(path))
    for cmd in ["get map %s /api/users" % path, "get map %s /nope" % path]:
        answers = {name: admin_cli(sock, cmd) for name, (sock, _) in procs.items()}
        assert answers["tollgate"] == answers["haproxy"], cmd
    assert answers["tollgate"] == "type=beg, case=sensitive, found=no\n\n"
