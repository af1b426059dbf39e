#!/bin/sh
# Starts the two demo HTTP backends, then Tollgate in the foreground with
# examples/quickstart.cfg. Ctrl-C stops everything.
cd "$(dirname "$0")/.." || exit 1
python3 examples/demo-http-backend.py 9001 A &
a=$!
python3 examples/demo-http-backend.py 9002 B &
b=$!
trap 'kill $a $b 2>/dev/null' EXIT INT TERM
echo "Tollgate listens on http://127.0.0.1:8080/ (try: curl http://127.0.0.1:8080/). Ctrl-C to stop."
./tollgate -db -f examples/quickstart.cfg
