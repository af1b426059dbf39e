"""Maps and ACL files changed from four threads at once: with nbthread 4,
clients read through map() and ACL matches while other clients change the
same files with set-map/del-map/add-acl/del-acl and the admin socket
adds, sets and deletes entries. Every answer must be a value written for
its own key (never another key's, never garbage), and the process must
survive; built with `make VARIANT=tsan`, ThreadSanitizer must report
nothing (the fixture fails the test on a report). Run it alone against
that build: TOLLGATE_BIN=build/tsan/tollgate pytest
tests/integration/test_map_actions_stress.py. doc/internals/rules.md,
"Maps"."""
import http.client
import random
import threading

from conftest import admin_cli, admin_ready, free_port, wait_until

KEYS = 40
ROUNDS = 250

CFG = """
global
    nbthread 4
    stats socket %(sock)s level admin
defaults
    mode http
    timeout connect 2s
    timeout client 20s
    timeout server 20s
frontend fe
    bind 127.0.0.1:%(port)d
    acl listed req.hdr(x-key) -f %(acl)s
    acl listed_ip req.hdr_ip(x-ip) -f %(ipacl)s
    http-request set-map(%(map)s) %%[req.hdr(x-key)] %%[req.hdr(x-val)] if { path /set }
    http-request del-map(%(map)s) %%[req.hdr(x-key)] if { path /del }
    http-request add-acl(%(acl)s) %%[req.hdr(x-key)] if { path /add-acl }
    http-request del-acl(%(acl)s) %%[req.hdr(x-key)] if { path /del-acl }
    http-request add-acl(%(ipacl)s) %%[req.hdr(x-ip)] if { path /add-ip }
    http-request del-acl(%(ipacl)s) %%[req.hdr(x-ip)] if { path /del-ip }
    http-request return status 200 content-type text/plain lf-string "%%[req.hdr(x-key),map(%(map)s,none)]|%%[req.hdr(x-key),map_str_int(%(imap)s,-1)]|L" if listed || listed_ip
    http-request return status 200 content-type text/plain lf-string "%%[req.hdr(x-key),map(%(map)s,none)]|%%[req.hdr(x-key),map_str_int(%(imap)s,-1)]|-"
"""


def worker(port, fn, errors):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    rng = random.Random()
    try:
        for n in range(ROUNDS):
            fn(conn, rng, n)
    except Exception as e:  # reported by the main thread
        errors.append(repr(e))
    finally:
        conn.close()


def get(conn, path, **hdrs):
    conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in hdrs.items()})
    r = conn.getresponse()
    return r.status, r.read().decode()


def test_concurrent_readers_actions_and_cli(tollgate, tmp_path):
    m, im, a, ip = (tmp_path / n for n in ("s.map", "i.map", "s.acl", "ip.acl"))
    m.write_text("".join("k%d v%d-file\n" % (i, i) for i in range(2000)))
    im.write_text("".join("k%d %d\n" % (i, i) for i in range(2000)))
    a.write_text("".join("k%d\n" % i for i in range(0, 2000, 2)))
    ip.write_text("".join("10.%d.0.0/16\n" % i for i in range(200)))
    sock, port = str(tmp_path / "s.sock"), free_port()
    tollgate(CFG % dict(sock=sock, port=port, map=m, imap=im, acl=a, ipacl=ip), port=port)
    wait_until(lambda: admin_ready(sock), 10, "admin socket")
    bad, errors = [], []

    def reader(conn, rng, n):
        k = rng.randrange(KEYS)
        status, body = get(conn, "/", x_key="k%d" % k, x_ip="10.%d.1.1" % rng.randrange(250))
        value, num, _ = body.split("|")
        if status != 200 or not (value == "none" or value.startswith("v%d-" % k)) or \
                num not in ("-1", str(k), str(k + 1000000)):
            bad.append((k, status, body))

    def map_writer(conn, rng, n):
        k = rng.randrange(KEYS)
        if rng.random() < 0.6:
            get(conn, "/set", x_key="k%d" % k, x_val="v%d-act%d" % (k, n))
        else:
            get(conn, "/del", x_key="k%d" % k)

    def acl_writer(conn, rng, n):
        k = rng.randrange(KEYS)
        get(conn, rng.choice(["/add-acl", "/del-acl"]), x_key="k%d" % k)
        get(conn, rng.choice(["/add-ip", "/del-ip"]), x_ip="10.%d.%d.0/24" % (rng.randrange(250), rng.randrange(3)))

    def cli_writer(errors_):
        rng = random.Random()
        try:
            for n in range(ROUNDS // 2):
                k = rng.randrange(KEYS)
                cmd = rng.choice(["add map %s k%d v%d-cli%d" % (m, k, k, n),
                                  "set map %s k%d v%d-cli%d" % (m, k, k, n),
                                  "del map %s k%d" % (m, k),
                                  "set map %s k%d %d" % (im, k, k + 1000000),
                                  "add acl %s k%d" % (a, k), "del acl %s k%d" % (a, k)])
                admin_cli(sock, cmd)
        except Exception as e:
            errors_.append(repr(e))

    threads = [threading.Thread(target=worker, args=(port, fn, errors))
               for fn in (reader, reader, reader, map_writer, map_writer, acl_writer)]
    threads.append(threading.Thread(target=cli_writer, args=(errors,)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)
    assert not errors, errors[:3]
    assert not bad, bad[:5]
    # still whole: an action's change is seen by the admin socket and the traffic
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    get(conn, "/set", x_key="final", x_val="done")
    assert get(conn, "/", x_key="final")[1] == "done|-1|-"
    conn.close()
    assert 'key="final", value="done"' in admin_cli(sock, "get map %s final" % m)
