#!/usr/bin/env python3
"""A tiny TCP backend for the quickstart: answers "<TAG>:" then echoes."""
import socket
import sys
import threading


def handle(conn, tag):
    with conn:
        try:
            conn.sendall(tag + b":")
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                conn.sendall(data)
        except OSError:
            return


def main():
    port, tag = int(sys.argv[1]), sys.argv[2].encode()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(128)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, tag), daemon=True).start()


if __name__ == "__main__":
    main()
