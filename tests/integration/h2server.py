"""A small HTTP/2 server for the tests of HTTP/2 to servers (Debian's
python3-h2 for the framing): clear text with prior knowledge, or TLS with
ALPN. What a test needs that nghttpd does not do: trailers (gRPC-style
responses), a body echoed back, a stream reset, a GOAWAY, counted
connections.

Paths:
  /echo     200 with the request body; x-trailers: the request's trailers
            (n=v;...), x-fields: its field names, x-authority, x-scheme,
            x-method; ?nocl: no content-length (the proxy chunks it)
  /grpc     200 application/grpc, one message, trailers grpc-status: 0
  /rst      RST_STREAM (INTERNAL_ERROR) instead of a response
  /refuse-once  the first such request (server-wide) gets RST_STREAM
            REFUSED_STREAM, the later ones "hello /refuse-once"
  /goaway-once  the first such request gets a GOAWAY whose last-stream-id
            is below it (not processed; the socket stays open), the later
            ones "hello /goaway-once"
  /refuse-always  RST_STREAM REFUSED_STREAM every time
  /goaway   a response, then GOAWAY (the socket stays open: a graceful
            shutdown; a new stream there fails)
  /big?N    N bytes (default 1000000) of a known pattern, no content-length
  else      200 "hello <path>"
A request with `Expect: 100-continue` gets a 100 first.
close_after=N: the first connection answers none of its requests and
closes (no GOAWAY) as its N-th arrives: the streams in flight on it fail
together; later connections serve as usual. `resets` lists the (stream id, error
code) of each RST_STREAM received; `max_streams` is the
SETTINGS_MAX_CONCURRENT_STREAMS announced (None: python3-h2's default).
CONNECT (RFC 9113 8.5, no :scheme nor :path; python3-h2 takes it with
lax=True): 200 and a tunnel that
echoes each DATA frame back, ended when the client ends its side; to
:authority refused.example:443, 403 "no".
Over TLS, a connection whose ALPN chose http/1.1 (or none) is answered one
HTTP/1.1 response, "h1 over tls"; without ALPN, HTTP/2 is spoken unless
http/1.1 is among the server's protocols.
"""
import socket
import ssl
import threading

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.settings


def pattern(n):
    """<n> bytes of the /big pattern."""
    unit = bytes(range(256))
    return (unit * (n // 256 + 1))[:n]


class H2Server:
    def __init__(self, certfile=None, alpn=("h2", "http/1.1"), lax=False, close_after=None, max_streams=None):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.tls = None
        if certfile:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(certfile)
            self.tls.set_alpn_protocols(list(alpn))
        self.alpn = alpn
        self.lax = lax          # inbound fields not checked (a CONNECT has no :path)
        self.lock = threading.Lock()
        self.conns = 0          # connections accepted
        self.close_after = close_after
        self.served = 0         # connections served (_Conn)
        self.max_streams = max_streams
        self.resets = []        # (stream id, error code) of each RST_STREAM received
        self.sent = 0           # DATA bytes sent, all streams
        self.requests = []      # (path, headers dict) of each request
        self.refused = set()    # the /...-once paths already refused
        self.closed = False
        self.threads = []
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()

    def count(self):
        with self.lock:
            return self.conns

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.conns += 1
            t = threading.Thread(target=self._serve, args=(c,), daemon=True)
            t.start()

    def stop(self):
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _serve(self, c):
        try:
            if self.tls:
                c = self.tls.wrap_socket(c, server_side=True)
                chosen = c.selected_alpn_protocol()
                if chosen == "http/1.1" or (chosen is None and "http/1.1" in self.alpn):
                    return self._serve_h1(c)
            _Conn(self, c).run()
        except (OSError, ssl.SSLError, h2.exceptions.ProtocolError):
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass

    def _serve_h1(self, c):
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = c.recv(65536)
            if not d:
                return
            buf += d
        body = b"h1 over tls"
        c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))


class _Conn:
    def __init__(self, srv, sock):
        self.srv = srv
        self.sock = sock
        cfg = h2.config.H2Configuration(client_side=False, header_encoding="utf-8",
                                        validate_inbound_headers=not srv.lax)
        self.h2 = h2.connection.H2Connection(config=cfg)
        self.streams = {}   # id -> {"hdrs", "body", "trailers"}
        self.pending = {}   # id -> bytes left to send (flow control)
        self.end_after = {}  # id -> trailers to send after the data, or None
        self.tunnels = set()  # CONNECT streams open
        self.close = False
        self.received = 0     # requests on this connection
        with srv.lock:
            self.first = not srv.served   # the first connection (close_after)
            srv.served += 1

    def flush(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def run(self):
        self.h2.initiate_connection()
        if self.srv.max_streams is not None:
            self.h2.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: self.srv.max_streams})
        self.flush()
        while not self.close:
            d = self.sock.recv(65536)
            if not d:
                return
            for ev in self.h2.receive_data(d):
                self.event(ev)
            self.push()
            self.flush()
        self.flush()

    def event(self, ev):
        if isinstance(ev, h2.events.RequestReceived):
            hdrs = dict(ev.headers)
            self.streams[ev.stream_id] = {"hdrs": ev.headers, "body": bytearray(), "trailers": []}
            with self.srv.lock:
                self.srv.requests.append((hdrs.get(":path"), hdrs))
            self.received += 1
            if self.srv.close_after and self.first:
                # held unanswered until the N-th, then all fail together
                del self.streams[ev.stream_id]
                if self.received >= self.srv.close_after:
                    self.sock.shutdown(socket.SHUT_RDWR)
                    self.close = True
                return
            if hdrs.get("expect", "").lower() == "100-continue":
                self.h2.send_headers(ev.stream_id, [(":status", "100")])
            if hdrs.get(":method") == "CONNECT" and ":protocol" not in hdrs:
                del self.streams[ev.stream_id]
                if hdrs.get(":authority") == "refused.example:443":
                    self.h2.send_headers(ev.stream_id, [(":status", "403"), ("content-length", "2")])
                    self.h2.send_data(ev.stream_id, b"no", end_stream=True)
                else:
                    self.h2.send_headers(ev.stream_id, [(":status", "200")])
                    self.tunnels.add(ev.stream_id)
                return
            if hdrs.get(":path") == "/rst":
                self.h2.reset_stream(ev.stream_id, h2.errors.ErrorCodes.INTERNAL_ERROR)
                return
            if self.refuse_once(ev.stream_id, hdrs.get(":path")):
                return
            if ev.stream_ended:
                self.respond(ev.stream_id)
        elif isinstance(ev, h2.events.DataReceived) and ev.stream_id in self.tunnels:
            self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            if ev.data:
                self.h2.send_data(ev.stream_id, ev.data)
            if ev.stream_ended:
                self.tunnels.discard(ev.stream_id)
                self.h2.end_stream(ev.stream_id)
        elif isinstance(ev, h2.events.DataReceived):
            st = self.streams.get(ev.stream_id)
            if st is not None:
                st["body"] += ev.data
            self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.TrailersReceived):
            st = self.streams.get(ev.stream_id)
            if st is not None:
                st["trailers"] = ev.headers
        elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id in self.tunnels:
            self.tunnels.discard(ev.stream_id)
            self.h2.end_stream(ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            if ev.stream_id in self.streams and dict(self.streams[ev.stream_id]["hdrs"]).get(":path") != "/rst":
                self.respond(ev.stream_id)
        elif isinstance(ev, h2.events.StreamReset):
            with self.srv.lock:
                self.srv.resets.append((ev.stream_id, ev.error_code))
            self.streams.pop(ev.stream_id, None)
            self.pending.pop(ev.stream_id, None)
            self.end_after.pop(ev.stream_id, None)
        elif isinstance(ev, h2.events.ConnectionTerminated):
            self.close = True

    def refuse_once(self, sid, path):
        """The first /refuse-once or /goaway-once: refused, unprocessed."""
        if path == "/refuse-always":
            del self.streams[sid]
            self.h2.reset_stream(sid, h2.errors.ErrorCodes.REFUSED_STREAM)
            return True
        if path not in ("/refuse-once", "/goaway-once"):
            return False
        with self.srv.lock:
            if path in self.srv.refused:
                return False
            self.srv.refused.add(path)
        del self.streams[sid]
        if path == "/refuse-once":
            self.h2.reset_stream(sid, h2.errors.ErrorCodes.REFUSED_STREAM)
        else:
            self.h2.close_connection(last_stream_id=max(sid - 2, 0))
        return True

    def respond(self, sid):
        st = self.streams.pop(sid)
        hdrs = dict(st["hdrs"])
        path = hdrs.get(":path", "")
        if path.startswith("/echo"):
            body = bytes(st["body"])
            out = [(":status", "200"), ("x-method", hdrs.get(":method", "")),
                   ("x-authority", hdrs.get(":authority", "")), ("x-scheme", hdrs.get(":scheme", "")),
                   ("x-fields", ",".join(n for n, _ in st["hdrs"] if not n.startswith(":"))),
                   ("x-trailers", ";".join("%s=%s" % (n, v) for n, v in st["trailers"]))]
            if "nocl" not in path:
                out.append(("content-length", str(len(body))))
            self.h2.send_headers(sid, out)
            self.queue(sid, body, None)
        elif path == "/grpc":
            self.h2.send_headers(sid, [(":status", "200"), ("content-type", "application/grpc")])
            self.queue(sid, b"\x00\x00\x00\x00\x05hello", [("grpc-status", "0"), ("grpc-message", "ok")])
        elif path == "/goaway":
            self.h2.send_headers(sid, [(":status", "200"), ("content-length", "3")])
            self.h2.send_data(sid, b"bye", end_stream=True)
            self.h2.close_connection(last_stream_id=sid)   # the socket stays open
        elif path.startswith("/big"):
            n = int(path.split("?", 1)[1]) if "?" in path else 1000000
            self.h2.send_headers(sid, [(":status", "200"), ("content-type", "application/octet-stream")])
            self.queue(sid, pattern(n), None)
        else:
            body = ("hello %s" % path).encode()
            self.h2.send_headers(sid, [(":status", "200"), ("content-length", str(len(body)))])
            self.queue(sid, body, None)

    def queue(self, sid, body, trailers):
        self.pending[sid] = bytearray(body)
        self.end_after[sid] = trailers
        self.push()

    def push(self):
        """Sends what the flow-control windows allow."""
        for sid in list(self.pending):
            data = self.pending[sid]
            while data:
                n = min(len(data), self.h2.local_flow_control_window(sid), self.h2.max_outbound_frame_size)
                if n <= 0:
                    break
                self.h2.send_data(sid, bytes(data[:n]))
                del data[:n]
                with self.srv.lock:
                    self.srv.sent += n
            if not data:
                trailers = self.end_after.pop(sid)
                del self.pending[sid]
                if trailers:
                    self.h2.send_headers(sid, trailers, end_stream=True)
                else:
                    self.h2.end_stream(sid)
