"""`show schema json`, the JSON and typed forms of `show info` and
`show stat`, and `show stat domain`, side by side with HAProxy 2.6: the
schema is HAProxy's text, and what `show info json` / `show stat json`
answer follows it (checked by a small validator driven by that schema:
required members, tag and type enumerations, integer ranges)."""
import json
import re

from conftest import admin_cli, start_both

CFG = """
global
    nbthread 1
    stats socket %(sock)s level admin
    stats timeout 5s
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(bport)d
"""


def both(tollgate, haproxy, tmp_path, dead_port):
    return start_both(tollgate, haproxy, tmp_path, CFG, bport=dead_port)


def check_item(schema, title, item):
    """Checks one field of show info/stat json against the schema's
    <title> ("Info" or "Stat") item; returns a list of problems."""
    defs = schema["definitions"]
    spec = next(o for o in schema["oneOf"] if o["title"] == title)["items"]
    bad = []
    for key in spec["required"]:
        if key not in item:
            bad.append("missing %s" % key)
    if title == "Stat":
        if item.get("objType") not in spec["properties"]["objType"]["enum"]:
            bad.append("objType %r" % item.get("objType"))
        for key in ("proxyId", "id"):
            if not isinstance(item.get(key), int) or item[key] < 0:
                bad.append("%s %r" % (key, item.get(key)))
    field = item.get("field", {})
    if not isinstance(field.get("pos"), int) or field["pos"] < 0 or not isinstance(field.get("name"), str):
        bad.append("field %r" % field)
    if not isinstance(item.get("processNum"), int) or item["processNum"] < defs["processNum"]["minimum"]:
        bad.append("processNum %r" % item.get("processNum"))
    for tag in defs["tags"]["required"]:
        if item.get("tags", {}).get(tag) not in defs["tags"][tag]["enum"]:
            bad.append("tags.%s %r" % (tag, item.get("tags", {}).get(tag)))
    value = item.get("value", {})
    vdefs = defs["typedValue"]["definitions"]
    kind = {"s32": "s32Value", "s64": "s64Value", "u32": "u32Value", "u64": "u64Value",
            "str": "strValue"}.get(value.get("type"))
    if not kind:
        bad.append("value.type %r" % value.get("type"))
    else:
        vspec = vdefs[kind]["properties"]["value"]
        v = value.get("value")
        if vspec["type"] == "string":
            ok = isinstance(v, str)
        else:
            ok = isinstance(v, int) and vspec["minimum"] <= v <= vspec["maximum"]
        if not ok:
            bad.append("value %r for %s" % (v, kind))
    return ["%s: %s" % (field.get("name"), b) for b in bad]


def test_schema_and_json_forms_agree_with_haproxy(tollgate, haproxy, tmp_path, dead_port):
    socks = both(tollgate, haproxy, tmp_path, dead_port)
    schema = {name: admin_cli(sock, "show schema json") for name, (sock, _) in socks.items()}
    assert schema["tollgate"] == schema["haproxy"]
    assert schema["tollgate"].endswith("}\n\n")
    parsed = json.loads(schema["tollgate"])
    for name, (sock, _) in socks.items():
        info = json.loads(admin_cli(sock, "show info json"))
        assert info and isinstance(info, list)
        problems = [p for item in info for p in check_item(parsed, "Info", item)]
        assert not problems, (name, problems)
        stat = json.loads(admin_cli(sock, "show stat json"))
        assert [o[0]["objType"] for o in stat] == ["Frontend", "Server", "Backend"], name
        problems = [p for obj in stat for item in obj for p in check_item(parsed, "Stat", item)]
        assert not problems, (name, problems)
    # the validator can fail: a wrong type or a missing member is reported
    bad = {"field": {"pos": 0, "name": "x"}, "processNum": 1,
           "tags": {"origin": "Key", "nature": "Gauge", "scope": "Nowhere"},
           "value": {"type": "u32", "value": -1}}
    assert len(check_item(parsed, "Info", bad)) == 2
    assert check_item(parsed, "Stat", bad)


# HAProxy's typed lines; tags are origin, nature, scope (2.6) plus 3.x's
# fourth letter, which Tollgate writes
TYPED_INFO = re.compile(r"^\d+\.[^.:]+\.1:[A-Za-z]{3,4}:(s32|s64|u32|u64|str):.*$")
TYPED_STAT = re.compile(r"^[FBSL]\.\d+\.\d+\.\d+\.[a-z0-9_]+\.1:[A-Za-z]{3,4}:(s32|s64|u32|u64|str):.*$")


def test_typed_forms_and_domains_agree_with_haproxy(tollgate, haproxy, tmp_path, dead_port):
    socks = both(tollgate, haproxy, tmp_path, dead_port)
    got = {}
    for name, (sock, _) in socks.items():
        lines = admin_cli(sock, "show info typed").splitlines()
        assert lines[-1] == "" and all(TYPED_INFO.match(l) for l in lines[:-1]), (name, lines)
        stat = admin_cli(sock, "show stat typed").splitlines()
        assert stat[-1] == "" and all(TYPED_STAT.match(l) for l in stat[:-1]), (name, stat)
        # the same tags (origin, nature, scope) for the fields both fill
        tags = dict((l.split(":")[0].split(".")[4], l.split(":")[1][:3])
                    for l in stat[:-1] if l.startswith("F."))
        got[name] = {
            "tags": tags,
            # the proxy domain is the default one (the columns differ:
            # Tollgate has 3.x's)
            "domain_proxy": admin_cli(sock, "show stat domain proxy").split("\n")[0]
            == admin_cli(sock, "show stat").split("\n")[0],
            "domain_typed": [l.split(":")[0] for l in admin_cli(sock, "show stat domain proxy typed").splitlines()
                             if l.startswith("F.") and ".pxname." in l],
            "domain_bad": [admin_cli(sock, c) for c in ("show stat domain dns", "show stat domain",
                                                         "show stat domain foo typed")],
            "domain_filter": admin_cli(sock, "show stat domain proxy be 4 -1").count("\n"),
            "resolvers_header": admin_cli(sock, "show stat domain resolvers").split("\n")[0],
        }
    assert got["tollgate"]["domain_bad"] == ["Invalid statistics domain.\n\n"] * 3
    for key in ("domain_proxy", "domain_typed", "domain_bad", "domain_filter", "resolvers_header"):
        assert got["tollgate"][key] == got["haproxy"][key], key
    common = set(got["tollgate"]["tags"]) & set(got["haproxy"]["tags"])
    assert {"pxname", "scur", "stot", "status"} <= common
    # HAProxy 3.x's tags are the reference (a few changed since 2.6)
    differ = {k for k in common if got["tollgate"]["tags"][k] != got["haproxy"]["tags"][k]}
    assert differ <= {"mode"}, differ


CFG_FILTERS = """
global
    nbthread 1
    stats socket %(sock)s level admin
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server up 127.0.0.1:%(bport)d
    server maint 127.0.0.1:%(bport)d
    server down 127.0.0.1:%(dead)d check inter 100 fall 1 rise 1
backend empty
"""


def test_show_stat_up_and_no_maint_agree_with_haproxy(tollgate, haproxy, tmp_path, dead_port, backend):
    """`up` hides the servers in maintenance or down, `no-maint` those in
    maintenance; with either, a backend's status says "(up/servers)"."""
    from conftest import wait_until
    b = backend("A")
    socks = start_both(tollgate, haproxy, tmp_path, CFG_FILTERS, bport=b.port, dead=dead_port)
    got = {}
    for name, (sock, _) in socks.items():
        def cells(cmd):
            return [",".join(l.split(",")[:2] + [l.split(",")[17]])
                    for l in admin_cli(sock, cmd).splitlines() if l and not l.startswith("#")
                    and not l.startswith("fe,")]

        admin_cli(sock, "disable server be/maint")
        wait_until(lambda: "be,down,DOWN" in cells("show stat"), what=name + "'s check")
        got[name] = {cmd: cells(cmd) for cmd in ("show stat", "show stat up", "show stat no-maint",
                                                  "show stat no-maint up", "show stat be 4 -1 up")}
        got[name]["typed"] = sorted(l.split(":")[0] for l in admin_cli(sock, "show stat up typed").splitlines()
                                    if ".svname." in l)
    assert got["tollgate"]["show stat up"] == ["be,up,no check", "be,BACKEND,UP (1/3)", "empty,BACKEND,UP (0/0)"]
    assert got["tollgate"]["show stat no-maint"] == ["be,up,no check", "be,down,DOWN", "be,BACKEND,UP (1/3)",
                                                     "empty,BACKEND,UP (0/0)"]
    assert got["tollgate"] == got["haproxy"]
