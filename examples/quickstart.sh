#!/bin/sh
# Starts the two demo backends, then Tollgate in the foreground with
# examples/quickstart.cfg. Ctrl-C stops everything.
cd "$(dirname "$0")/.." || exit 1
python3 examples/demo-backend.py 9001 A &
a=$!
python3 examples/demo-backend.py 9002 B &
b=$!
trap 'kill $a $b 2>/dev/null' EXIT INT TERM
echo "Tollgate listens on 127.0.0.1:8080 (try: printf hi | socat - TCP:127.0.0.1:8080). Ctrl-C to stop."
./tollgate -db -f examples/quickstart.cfg
