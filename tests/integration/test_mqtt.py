"""MQTT converters side by side with HAProxy 2.6 on one configuration:
mqtt_is_valid on the client's first packet (tcp-request content) and the
server's (tcp-response content, res.payload), every field and property of
mqtt_field_value on CONNECT (3.1, 3.1.1, 5.0) and CONNACK (3.1.1, 5.0)
read into variables and logged; a CONNECT sent in two parts is waited
for; invalid packets are rejected; bad arguments are configuration
errors."""
import socket
import threading

from conftest import free_port, run_check, wait_port
from test_tcp_inspect import DEFAULTS

CONNECT_FIELDS = ["flags", "protocol_name", "protocol_version", "client_identifier", "will_topic",
                  "will_payload", "username", "password", "keepalive",
                  "17", "33", "39", "34", "25", "23", "21", "22", "24", "1", "2", "3", "8", "9"]
CONNACK_FIELDS = ["flags", "protocol_version", "reason_code", "17", "33", "36", "37", "39", "18", "34",
                  "31", "40", "41", "42", "19", "26", "28", "21", "22"]


def cfg(port, sink, srv):
    # one variable per direction: set-var-fmt joins the fields with '|'
    req = "|".join("%%[req.payload(0,0),mqtt_field_value(connect,%s)]" % f for f in CONNECT_FIELDS)
    res = "|".join("%%[res.payload(0,0),mqtt_field_value(2,%s)]" % f for f in CONNACK_FIELDS)
    req = '    tcp-request content set-var-fmt(sess.c) "%s"' % req
    res = '    tcp-response content set-var-fmt(sess.a) "%s"' % res
    fmt = "mqtt %[var(sess.c)]|%[var(sess.v)]|%[var(sess.a)]"
    return DEFAULTS + """
frontend fe
    bind 127.0.0.1:%d
    log 127.0.0.1:%d local0
    log-format "%s"
    tcp-request inspect-delay 3s
    tcp-request content reject unless { req.payload(0,0),mqtt_is_valid }
%s
    default_backend be
backend be
    server s 127.0.0.1:%d
    tcp-response inspect-delay 3s
    tcp-response content reject unless { res.payload(0,0),mqtt_is_valid }
    tcp-response content set-var(sess.v) res.payload(0,0),mqtt_is_valid
%s
""" % (port, sink, fmt, req, srv, res)


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def s(b):
    return len(b).to_bytes(2, "big") + b


def pkt(first, body):
    return bytes([first]) + varint(len(body)) + body


def props(*items):
    body = b"".join(items)
    return varint(len(body)) + body


def connect(name, ver, flags, body, connect_props=None):
    vh = s(name) + bytes([ver, flags]) + (60).to_bytes(2, "big")
    if connect_props is not None:
        vh += connect_props
    return pkt(0x10, vh + body)


# (CONNECT, CONNACK the server answers)
V311 = connect(b"MQTT", 4, 0xC2, s(b"") + s(b"test") + s(b"passwd"))
V31 = connect(b"MQIsdp", 3, 0xEE, s(b"cid") + s(b"wt") + s(b"wp") + s(b"u") + s(b"p"))
# 5.0: session expiry, receive maximum, max packet size, request problem
# info, authentication method and data, a user property; will properties
V50 = connect(b"MQTT", 5, 0xEE,
              s(b"test_sub") +
              props(b"\x18" + (7).to_bytes(4, "big"), b"\x01\x01", b"\x03" + s(b"text/plain"),
                    b"\x08" + s(b"rsp"), b"\x09" + s(b"corr"), b"\x26" + s(b"e") + s(b"f")) +
              s(b"willtopic") + s(b"willpayload") + s(b"test") + s(b"passwd"),
              props(b"\x11" + (120).to_bytes(4, "big"), b"\x21" + (10).to_bytes(2, "big"),
                    b"\x27" + (20).to_bytes(4, "big"), b"\x17\x01", b"\x15" + s(b"SCRAM"),
                    b"\x16" + s(b"data"), b"\x26" + s(b"a") + s(b"b")))
ACK311 = bytes.fromhex("20020000")
# from HAProxy's converter/mqtt.vtc
ACK50 = bytes.fromhex("20250000221100000078217fff24012501270000ffff22000a2600016100016226000163000164")
ACK50B = pkt(0x20, b"\x01\x00" + props(b"\x12" + s(b"assigned"), b"\x1f" + s(b"welcome"),
                                         b"\x13" + (30).to_bytes(2, "big"), b"\x28\x01", b"\x29\x00",
                                         b"\x2a\x01", b"\x1a" + s(b"info"), b"\x1c" + s(b"other")))

CASES = [
    ([V311], ACK311),
    ([V31], ACK50B),
    ([V50], ACK50),
    ([V50[:9], V50[9:]], ACK311),           # the CONNECT in two parts: inspection waits
    ([V311], bytes.fromhex("21020000")),    # CONNACK with flags in its first byte: rejected
    ([bytes.fromhex("d000")], None),        # PINGREQ first: rejected
    ([bytes.fromhex("111400044d5154540402003c0008746573745f737562")], None),  # CONNECT with flags
    ([connect(b"MQTT", 4, 0x18, s(b"x"))], None),                  # Will QoS without Will
    ([connect(b"MQTT", 4, 0x02, s(b"x") + b"junk")], None),        # length not consumed
    ([connect(b"HTTP", 4, 0x02, s(b"x"))], None),                  # another protocol
]


class MqttServer:
    """Answers each connection with the next CONNACK of a list, after
    reading the CONNECT; then reads until EOF."""

    def __init__(self):
        self.acks = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                try:
                    c.settimeout(5)
                    c.recv(4096)
                    c.sendall(self.acks.pop(0))
                    while c.recv(4096):
                        pass
                except (OSError, IndexError):
                    pass


def run_case(port, sink, parts):
    """Sends <parts>, returns (bytes received back, the log line)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        for i, part in enumerate(parts):
            c.sendall(part)
            if i + 1 < len(parts):
                threading.Event().wait(0.3)   # let the proxy see the first part alone
        got = b""
        try:
            while True:
                d = c.recv(4096)
                if not d:
                    break
                got += d
                if len(got) >= 4:
                    break
        except OSError:
            pass
    while True:
        line = sink.recv(65536).decode("latin-1")
        if "mqtt " in line:
            return got, line.split("mqtt ", 1)[1].strip()


def test_mqtt_like_haproxy(tollgate, haproxy):
    seen = {}
    for name, start in (("tollgate", tollgate), ("haproxy", haproxy)):
        srv = MqttServer()
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind(("127.0.0.1", 0))
        sink.settimeout(10)
        port = free_port()
        start(cfg(port, sink.getsockname()[1], srv.port))
        wait_port(port)
        while True:   # the readiness probe's line
            if "mqtt " in sink.recv(65536).decode("latin-1"):
                break
        seen[name] = []
        for parts, ack in CASES:
            if ack:
                srv.acks.append(ack)
            seen[name].append(run_case(port, sink, parts))
            srv.acks.clear()
        sink.close()
        srv.sock.close()
    t = seen["tollgate"]
    c311 = t[0][1].split("|")
    assert t[0][0] == ACK311
    assert c311[:9] == ["194", "MQTT", "4", "", "", "", "test", "passwd", "60"]
    assert c311[9:23] == [""] * 14                # no properties before 5.0
    assert c311[23:27] == ["1", "0", "4", "0"]    # CONNACK 3.1.1: flags, version, reason code
    c50 = t[2][1].split("|")
    assert c50[:9] == ["238", "MQTT", "5", "test_sub", "willtopic", "willpayload", "test", "passwd", "60"]
    assert c50[9:23] == ["120", "10", "20", "0", "0", "1", "SCRAM", "data", "7", "1", "0", "text/plain",
                         "rsp", "corr"]
    assert c50[23:] == ["1", "0", "5", "0", "120", "32767", "1", "1", "65535", "", "10", "",
                        "0", "0", "0", "0", "", "", "", ""]
    assert t[1][1].split("|")[:9] == ["238", "MQIsdp", "3", "cid", "wt", "wp", "u", "p", "60"]
    assert t[1][1].split("|")[23:] == ["1", "1", "5", "0", "0", "0", "0", "0", "0", "assigned", "0",
                                       "welcome", "1", "0", "1", "30", "info", "other", "", ""]
    assert t[3][0] == ACK311                       # the split CONNECT went through
    assert t[4][0] == b""                          # invalid CONNACK: rejected
    assert all(got == b"" for got, _ in t[5:])     # invalid CONNECTs: rejected
    # HAProxy 2.6 writes a TCP log line once the server connection is up
    # when its format needs nothing from the end (no response variable
    # yet): the CONNACK side is compared by what is forwarded or rejected
    def comparable(runs):
        return [(got, line.split("|")[:len(CONNECT_FIELDS)]) for got, line in runs]
    assert comparable(seen["tollgate"]) == comparable(seen["haproxy"])


def test_bad_arguments(tmp_path):
    base = DEFAULTS + """
frontend fe
    bind 127.0.0.1:1
    tcp-request content set-var(sess.x) req.payload(0,0),%s
"""
    for conv, word in [("mqtt_field_value(nothing,flags)", "Unknown MQTT type 'nothing'"),
                       ("mqtt_field_value(connect,reason_code)", "Unknown MQTT field name 'reason_code'"),
                       ("mqtt_field_value(connack,18x)", "Unknown MQTT field name '18x'"),
                       ("mqtt_field_value(connect)", "mqtt_field_value")]:
        rc, out, _ = run_check(base % conv, tmp_path)
        assert rc != 0, conv
        assert "t.cfg:10" in out and word in out, out
