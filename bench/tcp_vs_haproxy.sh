#!/bin/sh
# Side-by-side TCP benchmark: Tollgate against HAProxy, same machine, same
# configuration (bench/tcp_vs_haproxy.cfg.in: mode tcp, nbthread 1, one
# frontend, one backend, one server), in one run.
#
#   bench/tcp_vs_haproxy.sh            # run and record in bench/results/
#   RECORD=0 bench/tcp_vs_haproxy.sh   # run, print only
#
# Needs gcc and HAProxy (Debian: apt-get install haproxy). Not run by CI or
# `make bench`. Takes about 2 min 15 s with the defaults.
#
# Figures, each the median of ROUNDS rounds; within a round the two proxies
# run one after the other, the first alternating between rounds:
#   tcp_conn_rate   RR_CONNS concurrent clients, each: connect, send 64 B,
#                   read the 64 B reply, the server closes, close, repeat.
#   tcp_throughput  BULK_CONNS connections, the backend sends bulk data
#                   as fast as it can, the client reads it (MB = 10^6 bytes);
#                   once with plain copies, once with "option splice-auto".
# "cpu" is the proxy's CPU time (user+sys) over the measurement, in CPUs:
# 1.00 means its one thread was never idle, so the proxy was the bottleneck.
# Below that the load generator or the machine limits the figure, and
# "per_cpu_s" (the figure divided by "cpu": work per second of proxy CPU)
# compares the proxies' efficiency; "ratio_per_proxy_cpu" is its ratio.
# "ratio" divides the two proxies' medians; "ratio_paired" is the median,
# over rounds, of the ratio within each round (the two runs of a round are
# seconds apart), which a machine whose load drifts between rounds skews
# less. The target line judges "ratio".
# Load generator and backend: bench/tcp_load.c, one epoll loop each.
#
# Pinning (PIN=1; PIN=auto pins when taskset exists and there are 2+ CPUs):
# every proxy runs on the last CPU, the client and the backend on CPU 0, the
# same for both proxies. PIN=0, the default, leaves placement to the
# scheduler: on a shared 2-vCPU VM pinning reserves nothing and was noisier.
#
# Tunables (environment): ROUNDS=7 RR_SECS=3 BULK_SECS=2 RR_CONNS=64
# BULK_CONNS=4 WARMUP=0.5 PIN=0 TOLLGATE=./tollgate HAPROXY=haproxy
# PORT_BASE (default: five ports the kernel finds free) RECORD=1.
set -eu

ROUNDS=${ROUNDS:-7}
RR_SECS=${RR_SECS:-3}
BULK_SECS=${BULK_SECS:-2}
RR_CONNS=${RR_CONNS:-64}
BULK_CONNS=${BULK_CONNS:-4}
WARMUP=${WARMUP:-0.5}
TOLLGATE=${TOLLGATE:-./tollgate}
HAPROXY=${HAPROXY:-haproxy}
RECORD=${RECORD:-1}
CC=${CC:-gcc}

cd "$(dirname "$0")/.."

if ! command -v "$HAPROXY" >/dev/null 2>&1; then
	echo "tcp_vs_haproxy: '$HAPROXY' not found. Install HAProxy first:" >&2
	echo "    apt-get update && apt-get install -y haproxy    # Debian 12: HAProxy 2.6" >&2
	echo "or point HAPROXY= at a haproxy binary." >&2
	exit 1
fi
if [ ! -x "$TOLLGATE" ]; then
	echo "tcp_vs_haproxy: building $TOLLGATE" >&2
	make >/dev/null
fi

ncpu=$(nproc)
PIN=${PIN:-0}
if [ "$PIN" = auto ]; then
	if command -v taskset >/dev/null 2>&1 && [ "$ncpu" -ge 2 ]; then PIN=1; else PIN=0; fi
fi
if [ "$PIN" = 1 ]; then
	PROXY_CPU=$((ncpu - 1))
	PIN_PROXY="taskset -c $PROXY_CPU"
	PIN_LOAD="taskset -c 0"
else
	PIN_PROXY=""
	PIN_LOAD=""
fi

tmp=$(mktemp -d /tmp/tcp_vs_haproxy.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	for p in $pids; do wait "$p" 2>/dev/null || :; done
	pids=""
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

$CC -O2 -Wall -o "$tmp/tcp_load" bench/tcp_load.c
LOAD="$tmp/tcp_load"

if [ -n "${PORT_BASE:-}" ]; then
	set -- $PORT_BASE $((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)) $((PORT_BASE + 4))
else
	set -- $("$LOAD" ports 5)  # five ports free right now
fi
BACKEND_PORT=$1
# name:port:option
PROXIES="tollgate:$2: haproxy:$3: tollgate-splice:$4:splice-auto haproxy-splice:$5:splice-auto"

pid_of() { cat "$tmp/$1.pid"; }
port_of() {
	for p in $PROXIES; do
		[ "${p%%:*}" = "$1" ] && { echo "$p" | cut -d: -f2; return; }
	done
}

# start <name> <port> <options>
start_proxy() {
	name=$1 port=$2 opts=$3
	[ -n "$opts" ] && opts="option $opts"
	sed -e "s/@PORT@/$port/" -e "s/@BACKEND_PORT@/$BACKEND_PORT/" \
	    -e "s/@OPTIONS@/$opts/" bench/tcp_vs_haproxy.cfg.in >"$tmp/$name.cfg"
	case $name in
	tollgate*) bin=$TOLLGATE ;;
	*) bin=$HAPROXY ;;
	esac
	$PIN_PROXY "$bin" -db -f "$tmp/$name.cfg" >"$tmp/$name.log" 2>&1 &
	echo $! >"$tmp/$name.pid"
	pids="$pids $!"
	if ! "$LOAD" wait "127.0.0.1:$port" 5; then
		echo "tcp_vs_haproxy: $name did not start listening on $port:" >&2
		cat "$tmp/$name.log" >&2
		exit 1
	fi
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure <name|direct> rr|down  -> prints "<value> <errors> <cpu>"
measure() {
	name=$1 mode=$2
	if [ "$name" = direct ]; then
		port=$BACKEND_PORT pid=""
	else
		port=$(port_of "$name") pid=$(pid_of "$name")
	fi
	if [ "$mode" = rr ]; then conns=$RR_CONNS secs=$RR_SECS; else conns=$BULK_CONNS secs=$BULK_SECS; fi
	[ -n "$pid" ] && c0=$(cpu_ticks "$pid")
	out=$($PIN_LOAD "$LOAD" client "127.0.0.1:$port" "$mode" "$conns" "$secs" "$WARMUP")
	if [ -n "$pid" ]; then
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "tcp_vs_haproxy: $name died:" >&2
			cat "$tmp/$name.log" >&2
			exit 1
		fi
		c1=$(cpu_ticks "$pid")
		# CPU over the whole client run (warm-up included)
		cpu=$(awk -v d=$((c1 - c0)) -v s="$secs" -v w="$WARMUP" -v hz="$(getconf CLK_TCK)" \
			'BEGIN { printf "%.2f", d / hz / (s + w) }')
	else
		cpu=-
	fi
	val=$(echo "$out" | sed -n 's/.*_per_s=\([0-9.]*\).*/\1/p')
	err=$(echo "$out" | sed -n 's/.*errors=\([0-9]*\).*/\1/p')
	echo "$val $err $cpu"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run() {
	echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# host: $(hostname -s), $ncpu CPUs online, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "# kernel: $(uname -r), compiler: $($CC --version | head -1)"
	echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet HEAD -- src include 2>/dev/null || echo ' (src/ or include/ modified)')"
	echo "# tollgate: $("$TOLLGATE" -v 2>&1 | head -1)"
	echo "# haproxy: $("$HAPROXY" -v 2>&1 | head -1)"
	echo "# pinning: $([ "$PIN" = 1 ] && echo "proxies on CPU $PROXY_CPU, client and backend on CPU 0" || echo none)"
	echo "# rounds=$ROUNDS rr: conns=$RR_CONNS secs=$RR_SECS; bulk: conns=$BULK_CONNS secs=$BULK_SECS; warmup=$WARMUP s"
	echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

	# run() may be a subshell (piped into tee): it stops its own children
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	$PIN_LOAD "$LOAD" server "$BACKEND_PORT" >"$tmp/server.log" 2>&1 &
	pids="$pids $!"
	"$LOAD" wait "127.0.0.1:$BACKEND_PORT" 5
	for p in $PROXIES; do
		start_proxy "$(echo "$p" | cut -d: -f1)" "$(echo "$p" | cut -d: -f2)" "$(echo "$p" | cut -d: -f3)"
	done

	# the load generator alone, for scale
	set -- $(measure direct rr)
	echo "sample round=0 metric=conn_rate proxy=direct value=$1 errors=$2"
	echo "$1" >"$tmp/conn_rate.direct"
	set -- $(measure direct down)
	echo "sample round=0 metric=throughput proxy=direct value=$1 errors=$2"
	echo "$1" >"$tmp/throughput.direct"

	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		if [ $((r % 2)) = 1 ]; then order="tollgate haproxy"; else order="haproxy tollgate"; fi
		for metric in conn_rate throughput throughput_splice; do
			for proxy in $order; do
				case $metric in
				conn_rate) name=$proxy mode=rr ;;
				throughput) name=$proxy mode=down ;;
				throughput_splice) name=$proxy-splice mode=down ;;
				esac
				set -- $(measure "$name" "$mode")
				echo "sample round=$r metric=$metric proxy=$proxy value=$1 errors=$2 cpu=$3 per_cpu_s=$(awk -v v="$1" -v c="$3" 'BEGIN { printf "%.0f", (c > 0 ? v / c : 0) }')"
				echo "$1" >>"$tmp/$metric.$proxy"
				echo "$3" >>"$tmp/$metric.$proxy.cpu"
				awk -v v="$1" -v c="$3" 'BEGIN { printf "%.0f\n", (c > 0 ? v / c : 0) }' >>"$tmp/$metric.eff.$proxy"
			done
		done
		r=$((r + 1))
	done
	echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

	echo "tcp_conn_rate proxy=direct conns_per_s=$(median <"$tmp/conn_rate.direct")"
	echo "tcp_throughput proxy=direct mbytes_per_s=$(median <"$tmp/throughput.direct")"
	for proxy in tollgate haproxy; do
		echo "tcp_conn_rate proxy=$proxy threads=1 conns_per_s=$(median <"$tmp/conn_rate.$proxy") cpu=$(median <"$tmp/conn_rate.$proxy.cpu") conns_per_cpu_s=$(median <"$tmp/conn_rate.eff.$proxy")"
	done
	for proxy in tollgate haproxy; do
		echo "tcp_throughput proxy=$proxy threads=1 mbytes_per_s=$(median <"$tmp/throughput.$proxy") cpu=$(median <"$tmp/throughput.$proxy.cpu") mbytes_per_cpu_s=$(median <"$tmp/throughput.eff.$proxy")"
	done
	for proxy in tollgate haproxy; do
		echo "tcp_throughput proxy=$proxy threads=1 splice=auto mbytes_per_s=$(median <"$tmp/throughput_splice.$proxy") cpu=$(median <"$tmp/throughput_splice.$proxy.cpu") mbytes_per_cpu_s=$(median <"$tmp/throughput_splice.eff.$proxy")"
	done
	ratio() { awk -v a="$(median <"$tmp/$1.tollgate")" -v b="$(median <"$tmp/$1.haproxy")" \
		'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
	r1=$(ratio conn_rate) r2=$(ratio throughput) r3=$(ratio throughput_splice)
	echo "ratio conn_rate=$r1 throughput=$r2 throughput_splice=$r3"
	e1=$(ratio conn_rate.eff) e2=$(ratio throughput.eff) e3=$(ratio throughput_splice.eff)
	echo "ratio_per_proxy_cpu conn_rate=$e1 throughput=$e2 throughput_splice=$e3"
	# the two proxies of a round ran seconds apart: their ratio is free of
	# the load drifting between rounds, which the medians above are not
	pratio() { paste "$tmp/$1.tollgate" "$tmp/$1.haproxy" |
		awk '$2 > 0 { printf "%.4f\n", $1 / $2 }' | median | awk '{ printf "%.2f", $1 }'; }
	echo "ratio_paired conn_rate=$(pratio conn_rate) throughput=$(pratio throughput) throughput_splice=$(pratio throughput_splice)"
	awk -v a="$r1" -v b="$r2" 'BEGIN {
		printf "target conn_rate>=1.10: %s, throughput>=1.00: %s\n",
			(a >= 1.10 ? "met" : "NOT met"), (b >= 1.00 ? "met" : "NOT met") }'
	cleanup
}

if [ "$RECORD" = 1 ]; then
	mkdir -p bench/results
	out="bench/results/$(date -u +%Y-%m-%d-%H%M)-tcp-vs-haproxy.txt"
	run | tee "$out"
	echo "recorded in $out"
else
	run
fi
