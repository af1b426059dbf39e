"""A tiny DNS server for the tests of `resolvers` sections.

It answers on UDP 127.0.0.1 (an ephemeral port), from records the test
controls and may change at any time:

    dns = DnsServer({"app.test": ["127.0.0.2"]})
    dns.set("app.test", ["127.0.0.3"])   # the next answers carry the new IP
    dns.port, dns.queries                 # where it listens, what it was asked

A names get their addresses, AAAA names their IPv6 ones (`set6`), SRV
names their (priority, weight, port, target) records (`set_srv`), with the
A records of the targets in the additional section; a name known for one
type answers the others with no record (NOERROR, empty), an unknown name
with NXDOMAIN. Each query is parsed strictly enough for the
tests: one question, its id and question echoed back (RFC 1035).
"""
import ipaddress
import socket
import struct
import threading


def _qname(data, off):
    labels = []
    while True:
        n = data[off]
        off += 1
        if n == 0:
            return ".".join(labels), off
        labels.append(data[off:off + n].decode("ascii"))
        off += n


class DnsServer:
    def __init__(self, records=None, records6=None, srv=None, additional=True):
        self.additional = additional   # SRV answers carry their targets' A records
        self.records = {k.lower(): list(v) for k, v in (records or {}).items()}
        self.srv = {k.lower(): list(v) for k, v in (srv or {}).items()}
        self.records6 = {k.lower(): list(v) for k, v in (records6 or {}).items()}
        self.queries = []          # (name, qtype) in arrival order
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def set(self, name, ips):
        with self.lock:
            self.records[name.lower()] = list(ips)

    def set_srv(self, name, recs):
        with self.lock:
            self.srv[name.lower()] = list(recs)

    def set6(self, name, ips):
        with self.lock:
            self.records6[name.lower()] = list(ips)

    def count(self, name):
        with self.lock:
            return sum(1 for q in self.queries if q[0] == name.lower())

    def _answer(self, data):
        qid, flags, qd = struct.unpack("!HHH", data[:6])
        if qd != 1:
            return None
        name, off = _qname(data, 12)
        qtype, qclass = struct.unpack("!HH", data[off:off + 4])
        question = data[12:off + 4]
        name = name.lower()
        with self.lock:
            self.queries.append((name, qtype))
            v4 = self.records.get(name)
            v6 = self.records6.get(name)
            srv = self.srv.get(name)
            targets = {t: self.records.get(t.lower(), []) for _, _, _, t in srv or []}
        answers = b""
        count = 0
        extra = b""
        nextra = 0
        rcode = 0
        if v4 is None and v6 is None and srv is None:
            rcode = 3                              # NXDOMAIN
        elif qtype == 33:
            for prio, weight, port, target in srv or []:
                tname = b"".join(bytes([len(l)]) + l.encode() for l in target.split(".")) + b"\0"
                rdata = struct.pack("!HHH", prio, weight, port) + tname
                answers += struct.pack("!HHHIH", 0xc00c, 33, 1, 30, len(rdata)) + rdata
                count += 1
                for ip in targets[target] if self.additional else []:
                    extra += tname + struct.pack("!HHIH", 1, 1, 30, 4) + socket.inet_aton(ip)
                    nextra += 1
        elif qtype == 1:
            for ip in v4 or []:
                answers += struct.pack("!HHHIH", 0xc00c, 1, 1, 30, 4) + socket.inet_aton(ip)
                count += 1
        elif qtype == 28:
            for ip in v6 or []:
                answers += struct.pack("!HHHIH", 0xc00c, 28, 1, 30, 16) + ipaddress.IPv6Address(ip).packed
                count += 1
        flags = 0x8180 | rcode                     # QR, RD, RA
        return struct.pack("!HHHHHH", qid, flags, 1, count, 0, nextra) + question + answers + extra

    def _serve(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                reply = self._answer(data)
            except (IndexError, struct.error, UnicodeDecodeError):
                reply = None
            if reply:
                self.sock.sendto(reply, peer)

    def close(self):
        self.running = False
        self.sock.close()
