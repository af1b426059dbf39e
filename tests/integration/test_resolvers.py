"""`resolvers` sections, `resolvers`/`init-addr` on servers: a server named
by a host name follows what a nameserver answers at run time.

The nameserver is tests/integration/dnsserver.py on 127.0.0.1; the servers
it names listen on 127.0.0.2 and 127.0.0.3 (the loopback network), on the
same port, each answering its own tag. Each scenario runs on tollgate and
on the reference HAProxy 2.6, which must agree.
"""
import socket
import threading

import pytest

from conftest import (HAPROXY, BINARY, admin_cli, admin_ready, exchange, free_port,
                      run_check, wait_until)
from dnsserver import DnsServer


class Tagged:
    """Listeners on 127.0.0.2 and 127.0.0.3, one port: each connection
    gets its listener's IP then is closed."""

    def __init__(self):
        for _ in range(50):
            a = socket.socket()
            a.bind(("127.0.0.2", 0))
            self.port = a.getsockname()[1]
            b = socket.socket()
            try:
                b.bind(("127.0.0.3", self.port))
            except OSError:
                a.close()
                b.close()
                continue
            break
        self.socks = [a, b]
        for s in self.socks:
            s.listen(64)
            threading.Thread(target=self._run, args=(s,), daemon=True).start()

    def _run(self, s):
        ip = s.getsockname()[0].encode()
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            try:
                c.sendall(ip)
            except OSError:
                pass
            c.close()

    def close(self):
        for s in self.socks:
            s.close()


@pytest.fixture
def dns():
    servers = []

    def start(records, srv=None, additional=True):
        d = DnsServer(records, srv=srv, additional=additional)
        servers.append(d)
        return d

    yield start
    for d in servers:
        d.close()


@pytest.fixture
def tagged():
    t = Tagged()
    yield t
    t.close()


# The proxy part of the configurations below: tcp, one frontend to "be".
FRONT = """defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
"""

CFG = """
global
    stats socket %(sock)s level admin
resolvers mydns
    nameserver ns1 127.0.0.1:%(dns)d
    accepted_payload_size 1500
    resolve_retries 2
    timeout resolve 100ms
    timeout retry 200ms
    hold valid 1s
    hold nx 300ms
""" + FRONT + """    server s1 app.test:%(srv)d resolvers mydns init-addr none
    server s2 gone.test:%(srv)d resolvers mydns init-addr none resolve-prefer ipv4
"""


def start(binary, tmp_path, cfg, **params):
    """Starts <binary> on <cfg> % <params> plus its admin socket (sock) and
    port; waits for the socket. Returns (process, sock, port)."""
    from conftest import Tollgate
    sock = str(tmp_path / "admin.sock")
    port = free_port()
    path = tmp_path / "t.cfg"
    path.write_text(cfg % dict(params, sock=sock, port=port))
    p = Tollgate(str(path), binary=binary)
    try:
        wait_until(lambda: admin_ready(sock), 10, "admin socket")
    except AssertionError:
        p.kill()
        raise AssertionError(p.output())
    return p, sock, port


def fetch(port):
    try:
        return exchange(port, b"", timeout=2)
    except OSError:
        return b""


def state_cols(sock, name):
    """(srv_addr, srv_op_state, srv_admin_state, srv_fqdn, srv_port) of
    server <name> in `show servers state`."""
    for line in admin_cli(sock, "show servers state be").splitlines():
        f = line.split()
        if len(f) > 18 and f[3] == name:
            return f[4], f[5], f[6], f[17], f[18]
    return None


@pytest.mark.parametrize("binary", [BINARY, HAPROXY], ids=["tollgate", "haproxy"])
def test_server_follows_dns(binary, dns, tagged, tmp_path):
    """The next connections go to the address the nameserver answers now;
    an unresolvable name starts in resolution maintenance."""
    d = dns({"app.test": ["127.0.0.2"]})
    p, sock, port = start(binary, tmp_path, CFG, dns=d.port, srv=tagged.port)
    try:
        wait_until(lambda: fetch(port) == b"127.0.0.2", 10, "traffic to 127.0.0.2")
        assert state_cols(sock, "s1") == ("127.0.0.2", "2", "0", "app.test", str(tagged.port))
        assert state_cols(sock, "s2") == ("-", "0", "32", "gone.test", str(tagged.port))
        assert "MAINT (resolution)" in admin_cli(sock, "show stat")
        d.set("app.test", ["127.0.0.3"])
        wait_until(lambda: fetch(port) == b"127.0.0.3", 10, "traffic to 127.0.0.3")
        p.wait_log("be/s1 changed its IP from 127.0.0.2 to 127.0.0.3 by mydns/ns1.")
        assert state_cols(sock, "s1")[0] == "127.0.0.3"
        # the name disappears: past `hold nx`, resolution maintenance
        d.records.pop("app.test")
        wait_until(lambda: state_cols(sock, "s1")[2] == "32", 10, "s1 in RMAINT")
        # it comes back: out of maintenance, on its address
        d.set("app.test", ["127.0.0.2"])
        wait_until(lambda: fetch(port) == b"127.0.0.2", 10, "traffic to 127.0.0.2 again")
        assert state_cols(sock, "s1")[2] == "0"
    finally:
        p.kill()
    assert "be/s1 changed its IP from (none) to 127.0.0.2 by mydns/ns1." in p.output()
    # the preferred family (ipv6 by default) first, then A
    assert ("app.test", 28) in d.queries and ("gone.test", 1) in d.queries


CHECKS = [
    # unknown resolvers
    ("backend be\n    server s1 gone.invalid:80 resolvers nope\n", False),
    # libc fails, no fallback
    ("backend be\n    server s1 gone.invalid:80\n", False),
    # libc fails, falls back to an address
    ("backend be\n    server s1 gone.invalid:80 init-addr libc,10.0.0.1\n", True),
    # none: starts in maintenance
    ("backend be\n    server s1 gone.invalid:80 init-addr last,libc,none\n", True),
    # no usable method
    ("backend be\n    server s1 gone.invalid:80 init-addr last\n", False),
    ("backend be\n    server s1 gone.invalid:80 init-addr bogus\n", False),
    # default-server carries init-addr
    ("backend be\n    default-server init-addr none\n    server s1 gone.invalid:80\n", True),
    ("resolvers r\n    nameserver a 127.0.0.1:53\n    hold bogus 1s\n", False),
    ("resolvers r\n    nameserver a 127.0.0.1:53\n    timeout foo 1s\n", False),
    ("resolvers r\n    nameserver a 127.0.0.1:53\n    nameserver a 127.0.0.1:54\n", False),
    ("resolvers r\n    nameserver a 127.0.0.1:53\n    bogus\n", False),
    ("resolvers r\n    nameserver a 127.0.0.1\n", False),     # no port
    ("resolvers r\n    nameserver a udp@127.0.0.1:53\n    parse-resolv-conf\n    hold valid 5s\n"
     "    hold other 1s\n    hold refused 1s\n    hold timeout 1s\n    hold obsolete 0s\n"
     "    timeout resolve 2s\n    timeout retry 1s\n    resolve_retries 5\n"
     "backend be\n    server s1 localhost:80 resolvers r resolve-prefer ipv4\n", True),
    ("resolvers r\nbackend be\n    server s1 10.0.0.1:80 resolvers r\n", True),
    ("backend be\n    server-template web 3 gone.invalid:80 init-addr none\n", True),
    ("backend be\n    server s1 gone.invalid:80 init-addr none resolve-net 10.0.0.0/8,fd00::/8\n", True),
    ("backend be\n    server s1 gone.invalid:80 init-addr none resolve-net bogus\n", False),
    ("backend be\n    server s1 gone.invalid:80 init-addr none resolve-opts allow-dup-ip,ignore-weight\n", True),
    ("backend be\n    server s1 gone.invalid:80 init-addr none resolve-opts bogus\n", False),
    ("backend be\n    server s1 gone.invalid:80 init-addr none resolve-prefer ipv5\n", False),
    ("backend be\n    server-template web 2-4 127.0.0.1:80 check\n", True),
    ("backend be\n    server-template web 0 gone.invalid:80 init-addr none\n", False),
    ("backend be\n    server-template web x gone.invalid:80 init-addr none\n", False),
    ("backend be\n    server-template web 3\n", False),
    ("backend be\n    server web1 127.0.0.1:80\n    server-template web 1-2 127.0.0.1:80\n", False),
]


@pytest.mark.parametrize("cfg,ok", CHECKS)
def test_config_acceptance(cfg, ok, tmp_path):
    """tollgate -c accepts and refuses what haproxy 2.6 -c does."""
    head = "defaults\n    mode tcp\n    timeout client 1s\n    timeout server 1s\n    timeout connect 1s\n"
    rc, out, _ = run_check(head + cfg, tmp_path)
    hrc, hout, _ = run_check(head + cfg, tmp_path, name="h.cfg", binary=HAPROXY)
    assert (rc == 0) == ok, out
    assert (hrc in (0, 2)) == ok, hout     # 2: valid but no listener


SHOW_CFG = """
global
    stats socket %(sock)s level admin
resolvers mydns
    nameserver ns1 127.0.0.1:%(dns)d
    nameserver ns2 127.0.0.1:%(dead)d
    timeout resolve 100ms
    timeout retry 100ms
resolvers empty
""" + FRONT + """    server s1 app.test:%(srv)d resolvers mydns init-addr none resolve-prefer ipv4
"""


def counters(text, section, ns):
    """{counter: value} of nameserver <ns> of <section> in `show resolvers`."""
    out, cur_sec, cur_ns = {}, None, None
    for line in text.splitlines():
        if line.startswith("Resolvers section "):
            cur_sec = line.split()[2]
        elif line.startswith(" nameserver "):
            cur_ns = line.split()[1].rstrip(":")
        elif cur_sec == section and cur_ns == ns and ":" in line:
            k, v = line.split(":")
            out[k.strip()] = int(v)
    return out


@pytest.mark.parametrize("binary", [BINARY, HAPROXY], ids=["tollgate", "haproxy"])
def test_show_resolvers(binary, dns, tagged, tmp_path):
    """`show resolvers [<name>]`: HAProxy's sections and counters."""
    d = dns({"app.test": ["127.0.0.2"]})
    dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # never answers
    dead.bind(("127.0.0.1", 0))
    p, sock, port = start(binary, tmp_path, SHOW_CFG, dns=d.port, dead=dead.getsockname()[1],
                          srv=tagged.port)
    try:
        wait_until(lambda: fetch(port) == b"127.0.0.2", 10, "traffic to 127.0.0.2")
        wait_until(lambda: counters(admin_cli(sock, "show resolvers"), "mydns", "ns1").get("valid", 0) >= 2,
                   10, "two valid answers")
        text = admin_cli(sock, "show resolvers")
        c1 = counters(text, "mydns", "ns1")
        assert list(c1) == ["sent", "snd_error", "valid", "update", "cname", "cname_error", "any_err",
                            "nx", "timeout", "refused", "other", "invalid", "too_big", "truncated",
                            "outdated"]
        assert c1["update"] == 1 and c1["nx"] == 0 and c1["sent"] >= c1["valid"]
        c2 = counters(text, "mydns", "ns2")
        assert c2["sent"] >= 2 and c2["valid"] == 0
        assert "Resolvers section empty\nResolvers section default\n" in text
        only = admin_cli(sock, "show resolvers mydns")
        assert only.startswith("Resolvers section mydns\n") and "section empty" not in only
        assert admin_cli(sock, "show resolvers nope") == "Can't find that resolvers section\n\n"
    finally:
        p.kill()
        dead.close()


# An admin socket and a resolvers section answering quickly.
FAST_HEAD = """
global
    stats socket %(sock)s level admin
resolvers mydns
    nameserver ns1 127.0.0.1:%(dns)d
    timeout resolve 100ms
    timeout retry 200ms
"""

TEMPLATE_CFG = FAST_HEAD + """    hold obsolete 300ms
""" + FRONT + """    server-template web 3 app.test:%(srv)d resolvers mydns init-addr none resolve-prefer ipv4
"""


@pytest.mark.parametrize("binary", [BINARY, HAPROXY], ids=["tollgate", "haproxy"])
def test_server_template(binary, dns, tagged, tmp_path):
    """server-template slots take the answer's addresses, one each; an
    address that leaves the answer frees its slot after `hold obsolete`."""
    d = dns({"app.test": ["127.0.0.2", "127.0.0.3"]})
    p, sock, port = start(binary, tmp_path, TEMPLATE_CFG, dns=d.port, srv=tagged.port)

    def addrs():
        return [(state_cols(sock, n) or ("?", "", "?"))[0:3:2] for n in ("web1", "web2", "web3")]

    try:
        want = [("127.0.0.2", "0"), ("127.0.0.3", "0"), ("-", "32")]
        wait_until(lambda: addrs() == want, 10, "slots filled: %s" % want)
        seen = set()
        wait_until(lambda: seen.add(fetch(port)) or {b"127.0.0.2", b"127.0.0.3"} <= seen, 10,
                   "traffic to both addresses")
        d.set("app.test", ["127.0.0.3", "127.0.0.4"])
        want = [("-", "32"), ("127.0.0.3", "0"), ("127.0.0.4", "0")]
        wait_until(lambda: addrs() == want, 10, "slots after a change: %s" % want)
        d.set("app.test", ["127.0.0.4"])
        want = [("-", "32"), ("-", "32"), ("127.0.0.4", "0")]
        wait_until(lambda: addrs() == want, 10, "slots after a removal: %s" % want)
    finally:
        p.kill()
    out = p.output()
    assert "be/web2 changed its IP from (none) to 127.0.0.3 by DNS cache." in out
    assert "Server be/web1 is going DOWN for maintenance (No IP for server )." in out


SRV_CFG = FAST_HEAD + FRONT + """    server-template web 3 _http._tcp.app.test resolvers mydns init-addr none
"""


@pytest.mark.parametrize("additional", [True, False], ids=["additional", "no-additional"])
@pytest.mark.parametrize("binary", [BINARY, HAPROXY], ids=["tollgate", "haproxy"])
def test_server_template_srv(binary, additional, dns, tagged, tmp_path):
    """SRV records fill server-template slots: target, port and the
    target's address, from the additional section or else resolved on its
    own."""
    p_ = tagged.port
    d = dns({"a.test": ["127.0.0.2"], "b.test": ["127.0.0.3"], "c.test": ["127.0.0.3"]},
            srv={"_http._tcp.app.test": [(1, 10, p_, "a.test"), (1, 10, p_, "b.test")]},
            additional=additional)
    p, sock, port = start(binary, tmp_path, SRV_CFG, dns=d.port)

    def slots():
        return [state_cols(sock, n) for n in ("web1", "web2", "web3")]

    try:
        want = [("127.0.0.2", "2", "64", "a.test", str(p_)), ("127.0.0.3", "2", "64", "b.test", str(p_)),
                ("-", "0", "32", "-", "0")]
        wait_until(lambda: slots() == want, 10, "slots filled: %s" % want)
        seen = set()
        wait_until(lambda: seen.add(fetch(port)) or {b"127.0.0.2", b"127.0.0.3"} <= seen, 10,
                   "traffic to both targets")
        d.set_srv("_http._tcp.app.test", [(1, 10, p_, "b.test"), (1, 10, p_, "c.test")])
        want = [("-", "0", "96", "-", "0"), ("127.0.0.3", "2", "64", "b.test", str(p_)),
                ("127.0.0.3", "2", "64", "c.test", str(p_))]
        wait_until(lambda: slots() == want, 10, "slots after a change: %s" % want)
        # the state changes before its log line is written: wait for it
        wait_until(lambda: "(entry removed from SRV record)" in p.output(), 10, "the removal logged")
    finally:
        p.kill()
    out = p.output()
    by = "DNS additional record" if additional else "mydns/ns1"
    assert "be/web1 changed its IP from (none) to 127.0.0.2 by %s." % by in out
    if not additional:
        assert ("a.test", 1) in d.queries
    assert "Server be/web1 is going DOWN for maintenance (entry removed from SRV record)." in out


OPTS_CFG = FAST_HEAD + FRONT + """    server s1 app.test:%(srv)d resolvers mydns init-addr none resolve-prefer ipv4 resolve-net 10.0.0.0/8,127.0.0.3/32
    server-template dup 2 app.test:%(srv)d resolvers mydns init-addr none resolve-prefer ipv4 resolve-opts allow-dup-ip
"""


@pytest.mark.parametrize("binary", [BINARY, HAPROXY], ids=["tollgate", "haproxy"])
def test_resolve_net_and_dup_ip(binary, dns, tagged, tmp_path):
    """resolve-net prefers an address of its networks; allow-dup-ip lets
    servers share an address."""
    d = dns({"app.test": ["127.0.0.2", "127.0.0.3"]})
    p, sock, port = start(binary, tmp_path, OPTS_CFG, dns=d.port, srv=tagged.port)

    def addrs():
        return [(state_cols(sock, n) or ("?",))[0] for n in ("s1", "dup1", "dup2")]

    try:
        wait_until(lambda: "-" not in addrs(), 10, "every server resolved")
        wait_until(lambda: fetch(port) == b"127.0.0.3", 10, "traffic to 127.0.0.3")
        assert addrs() == ["127.0.0.3", "127.0.0.2", "127.0.0.2"]
    finally:
        p.kill()
