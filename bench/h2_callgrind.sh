#!/bin/bash
# User-space instructions per HTTP/2 request, the figure of issue 16 that
# does not depend on the machine's load (bench/results/README.md, "HTTP/2
# clients against HAProxy"): the proxy runs under valgrind's callgrind with
# instrumentation off, h2load sends WARM requests, instrumentation goes on
# for N more, and the instructions counted are divided by N.
#
# Usage: bench/h2_callgrind.sh [BINARY] (default ./tollgate; /usr/sbin/haproxy
# reads the same configuration). Environment: N (10000), WARM (2000),
# CACHESIM (no; yes adds the simulated D1 misses), OUT (a temporary
# directory; keeps callgrind.out for callgrind_annotate), PROTO (h2; h1:
# HTTP/1.1 keep-alive instead, the same frontend without `proto h2`,
# h2load --h1 with 4 connections of one request at a time).
# Configuration: bench/h2_vs_haproxy.py's, clear text only: nbthread 1, one
# `mode http` frontend answering `http-request return`; h2load 4 connections
# x 25 concurrent streams. Needs valgrind and h2load.
set -eu
BIN=${1:-./tollgate}
N=${N:-10000}
WARM=${WARM:-2000}
CACHESIM=${CACHESIM:-no}
PROTO=${PROTO:-h2}
if [ "$PROTO" = h1 ]; then
	BINDOPT= LOADOPT="--h1 -c 4 -m 1"
else
	BINDOPT=" proto h2" LOADOPT="-c 4 -m 25"
fi
OUT=${OUT:-$(mktemp -d /tmp/h2cg.XXXXXX)}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$OUT"
cat > "$OUT/h2.cfg" <<EOC
global
	nbthread 1
	maxconn 4096
defaults
	mode http
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend fe
	bind 127.0.0.1:$PORT$BINDOPT
	http-request return status 200 content-type text/plain string ok
EOC
valgrind --tool=callgrind --instr-atstart=no --cache-sim="$CACHESIM" \
	--callgrind-out-file="$OUT/callgrind.out" "$BIN" -db -f "$OUT/h2.cfg" > "$OUT/proxy.log" 2>&1 &
VP=$!
trap 'kill $VP 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
	(echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
	sleep 0.1
done
h2load -n "$WARM" $LOADOPT "http://127.0.0.1:$PORT/" > "$OUT/warm.txt"
callgrind_control -i on $VP > /dev/null 2>&1
h2load -n "$N" $LOADOPT "http://127.0.0.1:$PORT/" > "$OUT/run.txt"
callgrind_control -i off $VP > /dev/null 2>&1
callgrind_control -d $VP > /dev/null 2>&1
grep -q "$N succeeded" "$OUT/run.txt" || { echo "h2load: not all requests succeeded" >&2; cat "$OUT/run.txt" >&2; exit 1; }
# the dump is the file whose totals are not 0 (the one written at exit has none)
tot=$(grep -h '^totals:' "$OUT"/callgrind.out* | sort -k2 -n | tail -1)
set -- $tot
echo "$BIN: $(( $2 / N )) instructions per request ($PROTO, $N requests after $WARM)"
if [ "$CACHESIM" = yes ]; then
	awk -v b="$BIN" -v r="$6" -v w="$7" -v n="$N" \
		'BEGIN { printf "%s: %.1f simulated D1 misses per request (read %.1f, write %.1f)\n", b, (r + w) / n, r / n, w / n }'
fi
echo "profile: $OUT (callgrind_annotate $OUT/callgrind.out.*)"
