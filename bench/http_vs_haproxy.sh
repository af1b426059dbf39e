#!/bin/sh
# Side-by-side HTTP benchmark: Tollgate against HAProxy, same machine, same
# backend (nginx returning a fixed 6-byte body), same configuration, in one
# run. Each proxy runs one thread ("nbthread 1") with "mode http",
# "option http-keep-alive" and "http-reuse safe", and with 0, 1 or 3
# "http-request track-sc" rules (bench/http/proxy-{0,1,3}.cfg.in: both
# proxies read the same file), to show the cost of tracking ("tracking tax").
#
#   bench/http_vs_haproxy.sh               # run and record in bench/results/
#   RECORD=0 bench/http_vs_haproxy.sh      # run, print only
#   DURATION=3 bench/http_vs_haproxy.sh    # quick check
#
# Needs wrk, nginx, HAProxy and gcc (Debian: apt-get install wrk nginx
# haproxy). Not run by CI or `make bench`. About 2 min 30 s with the
# defaults (the script prints its estimate first).
#
# Load: wrk, one thread, CONNS connections, DURATION seconds per figure,
#   keepalive  wrk's default: every connection carries many requests;
#   close      wrk -H 'Connection: close': one request per client
#              connection (the proxies keep their server connections, and
#              the latency wrk reports starts after the connect).
# Each figure is the median over ROUNDS rounds of one wrk run; within a
# round the two proxies alternate which goes first. On a shared machine,
# ROUNDS=3 DURATION=5 (about 4 min) lets the medians drop a disturbed run. "direct" is wrk straight
# to nginx: the ceiling of the load generator and backend on this machine.
# "cpu" is the proxy's CPU time (user+sys) over the run, in CPUs: 1.00 means
# its one thread was never idle, so the proxy was the bottleneck.
#
# Tollgate may refuse a configuration (e.g. before "mode http" exists), not
# listen, die or answer with errors: it is then reported as unavailable,
# with the reason, and the rest of the run goes on.
#
# Pinning (PIN=1, the default when taskset exists and there are 2+ CPUs):
# every proxy on PROXY_CPUS (default: the last CPU), wrk on WRK_CPUS and
# nginx on NGINX_CPUS (default for both: all the other CPUs). On a 16-core
# machine, e.g.: PROXY_CPUS=15 WRK_CPUS=0-3 NGINX_CPUS=4-7 NGINX_WORKERS=4
# WRK_THREADS=4 CONNS=200.
#
# Tunables (environment): DURATION=10 (s) CONNS=50 WRK_THREADS=1 ROUNDS=1
# WARMUP=1 (s, once per proxy instance) NGINX_WORKERS=1 PIN PROXY_CPUS
# WRK_CPUS NGINX_CPUS TOLLGATE=./tollgate HAPROXY=haproxy NGINX=nginx
# WRK=wrk PORT_BASE (default: seven ports the kernel finds free) RECORD=1
# MODES="keepalive close" TRACKERS="0 1 3" (e.g. MODES=close TRACKERS=0 for
# the close-mode comparison alone).
#
# Paired rounds: within a round the two proxies run seconds apart, so
# their ratio is free of the load drifting between rounds (a shared
# machine). For each (trackers, mode) the script prints the per-round
# Tollgate/HAProxy ratios of req/s, of proxy CPU per request (cpu_us_per_req
# = proxy CPU time over requests, in microseconds) and of p99, and their
# medians ("paired" lines), as bench/tcp_vs_haproxy.sh does; the targets
# are judged on those medians.
set -eu

DURATION=${DURATION:-10}
CONNS=${CONNS:-50}
WRK_THREADS=${WRK_THREADS:-1}
ROUNDS=${ROUNDS:-1}
WARMUP=${WARMUP:-1}
NGINX_WORKERS=${NGINX_WORKERS:-1}
TOLLGATE=${TOLLGATE:-./tollgate}
HAPROXY=${HAPROXY:-haproxy}
NGINX=${NGINX:-nginx}
WRK=${WRK:-wrk}
RECORD=${RECORD:-1}
CC=${CC:-gcc}
TRACKERS=${TRACKERS:-0 1 3}
MODES=${MODES:-keepalive close}

cd "$(dirname "$0")/.."

for tool in "$HAPROXY" "$NGINX" "$WRK"; do
	if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "$tool" ]; then
		echo "http_vs_haproxy: '$tool' not found. Install the tools first:" >&2
		echo "    apt-get update && apt-get install -y wrk nginx haproxy    # Debian 12: HAProxy 2.6" >&2
		echo "or point HAPROXY=, NGINX=, WRK= at the binaries." >&2
		exit 1
	fi
done
# nginx and haproxy often live in /usr/sbin, outside a user's PATH
for v in HAPROXY NGINX; do
	eval "b=\$$v"
	if ! command -v "$b" >/dev/null 2>&1 && [ -x "/usr/sbin/$b" ]; then eval "$v=/usr/sbin/$b"; fi
done
if [ ! -x "$TOLLGATE" ]; then
	echo "http_vs_haproxy: building $TOLLGATE" >&2
	make >/dev/null || echo "http_vs_haproxy: build failed; Tollgate will be unavailable" >&2
fi

ncpu=$(nproc)
PIN=${PIN:-auto}
if [ "$PIN" = auto ]; then
	if command -v taskset >/dev/null 2>&1 && [ "$ncpu" -ge 2 ]; then PIN=1; else PIN=0; fi
fi
if [ "$ncpu" -ge 3 ]; then others="0-$((ncpu - 2))"; else others=0; fi
PROXY_CPUS=${PROXY_CPUS:-$((ncpu - 1))}
WRK_CPUS=${WRK_CPUS:-$others}
NGINX_CPUS=${NGINX_CPUS:-$others}
if [ "$PIN" = 1 ]; then
	PIN_PROXY="taskset -c $PROXY_CPUS"
	PIN_WRK="taskset -c $WRK_CPUS"
	PIN_NGINX="taskset -c $NGINX_CPUS"
else
	PIN_PROXY="" PIN_WRK="" PIN_NGINX=""
fi

tmp=$(mktemp -d /tmp/http_vs_haproxy.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	for p in $pids; do wait "$p" 2>/dev/null || :; done
	pids=""
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# tcp_load gives free ports and waits for a listener (bench/tcp_load.c)
$CC -O2 -Wall -o "$tmp/tcp_load" bench/tcp_load.c
LOAD="$tmp/tcp_load"

if [ -n "${PORT_BASE:-}" ]; then
	ports="" i=0
	while [ $i -lt 7 ]; do ports="$ports $((PORT_BASE + i))"; i=$((i + 1)); done
else
	ports=$("$LOAD" ports 7)
fi
set -- $ports
NGINX_PORT=$1
shift
# instance names: <proxy>-<trackers>; their ports follow nginx's
INSTANCES=""
for t in $TRACKERS; do
	for p in tollgate haproxy; do
		INSTANCES="$INSTANCES $p-$t"
		echo "$1" >"$tmp/$p-$t.port"
		shift
	done
done

nmodes=$(echo $MODES | wc -w) ntrackers=$(echo $TRACKERS | wc -w)
runs_per_round=$((nmodes + 2 * ntrackers * nmodes))
est=$((ROUNDS * runs_per_round * ${DURATION%.*} + 7 * ${WARMUP%.*} + 5))

start_nginx() {
	mkdir -p "$tmp/nginx"
	sed -e "s|@TMP@|$tmp/nginx|g" -e "s/@PORT@/$NGINX_PORT/" \
	    -e "s/@WORKERS@/$NGINX_WORKERS/" bench/http/nginx.conf.in >"$tmp/nginx/nginx.conf"
	$PIN_NGINX "$NGINX" -p "$tmp/nginx" -e "$tmp/nginx/nginx.err" \
		-c "$tmp/nginx/nginx.conf" >"$tmp/nginx.log" 2>&1 &
	pids="$pids $!"
	if ! "$LOAD" wait "127.0.0.1:$NGINX_PORT" 5; then
		echo "http_vs_haproxy: nginx did not start listening on $NGINX_PORT:" >&2
		cat "$tmp/nginx.log" "$tmp/nginx/nginx.err" >&2 2>/dev/null || :
		exit 1
	fi
}

# fail <instance> <reason> [log]: marks an instance unavailable, says why
fail() {
	echo "$2" >"$tmp/$1.failed"
	echo "# $1: unavailable: $2"
	if [ -n "${3:-}" ] && [ -s "$3" ]; then head -5 "$3" | sed 's/^/#   | /'; fi
}
failed() { [ -e "$tmp/$1.failed" ]; }

# start_proxy <instance>: config check, start, wait for its port. Failure
# marks the instance unavailable and returns 0: the run goes on.
start_proxy() {
	name=$1
	proxy=${name%-*} trackers=${name##*-}
	port=$(cat "$tmp/$name.port")
	sed -e "s/@PORT@/$port/" -e "s/@BACKEND_PORT@/$NGINX_PORT/" \
	    "bench/http/proxy-$trackers.cfg.in" >"$tmp/$name.cfg"
	if [ "$proxy" = tollgate ]; then bin=$TOLLGATE; else bin=$HAPROXY; fi
	if [ ! -x "$bin" ] && ! command -v "$bin" >/dev/null 2>&1; then
		fail "$name" "no binary $bin"
		return 0
	fi
	if ! "$bin" -c -f "$tmp/$name.cfg" >"$tmp/$name.check" 2>&1; then
		fail "$name" "configuration refused by '$bin -c'" "$tmp/$name.check"
		return 0
	fi
	$PIN_PROXY "$bin" -db -f "$tmp/$name.cfg" >"$tmp/$name.log" 2>&1 &
	echo $! >"$tmp/$name.pid"
	pids="$pids $!"
	if ! "$LOAD" wait "127.0.0.1:$port" 5 >/dev/null 2>&1; then
		fail "$name" "did not listen on port $port" "$tmp/$name.log"
	fi
}

# parse_wrk <file> -> "rps p50_ms p99_ms socket_errors non2xx requests"
parse_wrk() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return v / 1000
		if (v ~ /ms$/) return v + 0
		if (v ~ /m$/) return v * 60000
		if (v ~ /s$/) return v * 1000
		return v + 0
	}
	BEGIN { rps = 0; p50 = "-"; p99 = "-"; err = 0; non2xx = 0; req = 0 }
	/^ +50% / { p50 = sprintf("%.3f", ms($2)) }
	/^ +99% / { p99 = sprintf("%.3f", ms($2)) }
	/ requests in / { req = $1 }
	/Socket errors:/ { err = $4 + $6 + $8 + $10 }
	/Non-2xx or 3xx responses:/ { non2xx = $NF }
	/^Requests\/sec:/ { rps = sprintf("%.0f", $2) }
	END { print rps, p50, p99, err, non2xx, req }' "$1"
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# wrk_run <port> <mode> <seconds> <outfile>
wrk_run() {
	if [ "$2" = close ]; then
		$PIN_WRK "$WRK" -t"$WRK_THREADS" -c"$CONNS" -d"$3"s --latency \
			-H 'Connection: close' "http://127.0.0.1:$1/" >"$4" 2>&1 || :
	else
		$PIN_WRK "$WRK" -t"$WRK_THREADS" -c"$CONNS" -d"$3"s --latency \
			"http://127.0.0.1:$1/" >"$4" 2>&1 || :
	fi
}

# measure <instance|direct> <mode>: one wrk run, prints a "sample" line and
# appends the figures to $tmp/<instance>.<mode>.{rps,p50,p99,cpu}
measure() {
	name=$1 mode=$2
	if [ "$name" = direct ]; then
		port=$NGINX_PORT pid=""
	else
		failed "$name" && return 0
		port=$(cat "$tmp/$name.port") pid=$(cat "$tmp/$name.pid")
	fi
	[ -n "$pid" ] && c0=$(cpu_ticks "$pid")
	out="$tmp/wrk.out"
	wrk_run "$port" "$mode" "$DURATION" "$out"
	cpu=-
	if [ -n "$pid" ]; then
		if ! kill -0 "$pid" 2>/dev/null; then
			fail "$name" "died during the $mode run" "$tmp/$name.log"
			return 0
		fi
		c1=$(cpu_ticks "$pid")
		cpu=$(awk -v d=$((c1 - c0)) -v s="$DURATION" -v hz="$(getconf CLK_TCK)" \
			'BEGIN { printf "%.2f", d / hz / s }')
	fi
	echo "# round $r, $name, $mode:" >>"$tmp/raw"
	sed 's/^/#   | /' "$out" >>"$tmp/raw"
	set -- $(parse_wrk "$out")
	echo $(($4 + $5)) >>"$tmp/$name.$mode.err"
	echo "sample round=$r proxy=${name%-*} trackers=$(case $name in direct) echo -;; *) echo "${name##*-}";; esac) mode=$mode req_per_s=$1 p50_ms=$2 p99_ms=$3 socket_errors=$4 non2xx=$5 requests=$6 cpu=$cpu req_per_cpu_s=$(div "$1" "$cpu" %.0f)"
	if [ "$1" = 0 ] || [ "$6" = 0 ] || [ "$5" = "$6" ]; then
		[ "$name" != direct ] && fail "$name" "no valid responses in the $mode run" "$out"
		return 0
	fi
	echo "$1" >>"$tmp/$name.$mode.rps"
	echo "$2" >>"$tmp/$name.$mode.p50"
	echo "$3" >>"$tmp/$name.$mode.p99"
	echo "$cpu" >>"$tmp/$name.$mode.cpu"
	# per round, for the paired ratios: round req/s p99 cpu
	echo "$r $1 $3 $cpu" >>"$tmp/$name.$mode.round"
	[ "$cpu" != - ] && awk -v v="$1" -v c="$cpu" 'BEGIN { printf "%.0f\n", (c > 0 ? v / c : 0) }' >>"$tmp/$name.$mode.eff"
	return 0
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# fig <instance> <mode> <field>: the median, or "-"
fig() {
	if [ -s "$tmp/$1.$2.$3" ]; then median <"$tmp/$1.$2.$3"; else echo -; fi
}
# errs <instance> <mode>: socket errors + non-2xx over all rounds
errs() { if [ -s "$tmp/$1.$2.err" ]; then awk '{ s += $1 } END { print s }' "$tmp/$1.$2.err"; else echo -; fi; }
# div <a> <b> <format>: a / b, or "n/a"
div() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf f, a / b; else printf "n/a" }'; }

# paired <trackers> <mode>: the rounds where both proxies gave figures,
# Tollgate/HAProxy per round for req/s, CPU per request (us) and p99, then
# the medians of those ratios
paired() {
	a="$tmp/tollgate-$1.$2.round" b="$tmp/haproxy-$1.$2.round"
	if [ ! -s "$a" ] || [ ! -s "$b" ]; then
		echo "paired tollgate/haproxy trackers=$1 mode=$2 unavailable"
		return 0
	fi
	# join wants its inputs in the collating order of the round numbers
	sort -k1,1 "$a" >"$a.sorted" && a="$a.sorted"
	sort -k1,1 "$b" >"$b.sorted" && b="$b.sorted"
	join "$a" "$b" | awk -v t="$1" -v m="$2" '
	function cpr(rps, cpu) { return (cpu != "-" && rps > 0) ? cpu * 1e6 / rps : 0 }
	{
		tc = cpr($2, $4); hc = cpr($5, $7)
		printf "round %d tollgate/haproxy trackers=%s mode=%s req_per_s=%s/%s=%.2f cpu_us_per_req=%.1f/%.1f=%.2f p99_ms=%s/%s=%.2f\n",
			$1, t, m, $2, $5, ($5 > 0 ? $2 / $5 : 0), tc, hc, (hc > 0 ? tc / hc : 0), $3, $6, ($6 > 0 ? $3 / $6 : 0)
	}'
	med() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
	n=$(join "$a" "$b" | wc -l)
	rr=$(join "$a" "$b" | awk '$5 > 0 { print $2 / $5 }' | med)
	cr=$(join "$a" "$b" | awk '$4 != "-" && $7 != "-" && $7 > 0 && $2 > 0 { print ($4 / $2) / ($7 / $5) }' | med)
	pr=$(join "$a" "$b" | awk '$6 > 0 { print $3 / $6 }' | med)
	echo "paired tollgate/haproxy trackers=$1 mode=$2 rounds=$n median_ratio req_per_s=$rr cpu_per_req=$cr p99=$pr"
	# targets (issue 11): close mode at least HAProxy's requests per
	# CPU-second (CPU per request <= 1.00) with p99 no worse (<= 1.00)
	if [ "$2" = close ]; then
		awk -v c="$cr" -v p="$pr" -v t="$1" 'BEGIN {
			printf "target_paired close trackers=%s cpu_per_req<=1.00: %s; p99<=1.00: %s\n", t,
				(c == "n/a" ? "pending" : c <= 1.0 ? "met" : "NOT met"),
				(p == "n/a" ? "pending" : p <= 1.0 ? "met" : "NOT met") }'
	fi
}

run() {
	echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# host: $(hostname -s), $ncpu CPUs online, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "# kernel: $(uname -r)"
	echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet HEAD -- src include 2>/dev/null || echo ' (src/ or include/ modified)')"
	echo "# tollgate: $("$TOLLGATE" -v 2>&1 | head -1 || :)"
	echo "# haproxy: $("$HAPROXY" -v 2>&1 | head -1)"
	echo "# nginx: $("$NGINX" -v 2>&1 | head -1), $NGINX_WORKERS worker(s); wrk: $("$WRK" -v 2>&1 | head -1 | cut -d' ' -f1-2)"
	echo "# pinning: $([ "$PIN" = 1 ] && echo "proxies on CPU $PROXY_CPUS, wrk on CPU $WRK_CPUS, nginx on CPU $NGINX_CPUS" || echo none)"
	echo "# wrk: threads=$WRK_THREADS conns=$CONNS duration=${DURATION}s; rounds=$ROUNDS; warmup=${WARMUP}s per instance"
	echo "# estimated duration: about $est s"
	echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	awk -v n="$ncpu" '$1 >= n / 2 { printf "# warning: load average %s with %d CPUs: other work shares the machine, expect noisy figures (see the cpu column)\n", $1, n }' /proc/loadavg
	t0=$(date +%s)

	# run() may be a subshell (piped into tee): it stops its own children
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	start_nginx
	for i in $INSTANCES; do start_proxy "$i"; done

	# warm-up, and a check that each instance answers 2xx
	r=0
	for i in $INSTANCES; do
		failed "$i" && continue
		wrk_run "$(cat "$tmp/$i.port")" keepalive "$WARMUP" "$tmp/warm.out"
		set -- $(parse_wrk "$tmp/warm.out")
		if [ "$6" = 0 ] || [ "$5" = "$6" ] || ! kill -0 "$(cat "$tmp/$i.pid")" 2>/dev/null; then
			fail "$i" "no valid responses in the warm-up" "$tmp/$i.log"
			sed 's/^/#   | /' "$tmp/warm.out" | head -12
		fi
	done
	wrk_run "$NGINX_PORT" keepalive "$WARMUP" "$tmp/warm.out"

	: >"$tmp/raw"
	r=1 flip=0
	while [ "$r" -le "$ROUNDS" ]; do
		for mode in $MODES; do measure direct "$mode"; done
		for t in $TRACKERS; do
			for mode in $MODES; do
				if [ $(((r + flip) % 2)) = 1 ]; then order="tollgate haproxy"; else order="haproxy tollgate"; fi
				flip=$((flip + 1))
				for p in $order; do measure "$p-$t" "$mode"; done
			done
		done
		r=$((r + 1))
	done
	echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# took $(($(date +%s) - t0)) s"
	echo "# raw wrk output, in run order:"
	cat "$tmp/raw"

	echo
	echo "Medians of $ROUNDS round(s); latency in ms; vs_direct = req/s over direct nginx's."
	echo "req/cpu_s = req/s per second of the proxy's CPU time (compare these when cpu < 1.00)."
	echo "errors = wrk's socket errors + non-2xx responses, summed over the rounds."
	printf '%-9s %-8s %-9s %9s %8s %8s %5s %9s %9s %6s\n' proxy trackers mode req/s p50 p99 cpu req/cpu_s vs_direct errors
	for mode in $MODES; do
		printf '%-9s %-8s %-9s %9s %8s %8s %5s %9s %9s %6s\n' direct - "$mode" \
			"$(fig direct "$mode" rps)" "$(fig direct "$mode" p50)" "$(fig direct "$mode" p99)" - - 1.00 \
			"$(errs direct "$mode")"
	done
	for t in $TRACKERS; do
		for mode in $MODES; do
			for p in haproxy tollgate; do
				if failed "$p-$t"; then
					printf '%-9s %-8s %-9s unavailable: %s\n' "$p" "$t" "$mode" "$(cat "$tmp/$p-$t.failed")"
					continue
				fi
				printf '%-9s %-8s %-9s %9s %8s %8s %5s %9s %9s %6s\n' "$p" "$t" "$mode" \
					"$(fig "$p-$t" "$mode" rps)" "$(fig "$p-$t" "$mode" p50)" \
					"$(fig "$p-$t" "$mode" p99)" "$(fig "$p-$t" "$mode" cpu)" \
					"$(fig "$p-$t" "$mode" eff)" \
					"$(div "$(fig "$p-$t" "$mode" rps)" "$(fig direct "$mode" rps)" %.2f)" \
					"$(errs "$p-$t" "$mode")"
			done
		done
	done
	echo
	# machine-readable summary, one line per figure
	for t in $TRACKERS; do
		for mode in $MODES; do
			for p in haproxy tollgate; do
				if failed "$p-$t"; then
					echo "http proxy=$p trackers=$t mode=$mode unavailable"
				else
					echo "http proxy=$p trackers=$t mode=$mode req_per_s=$(fig "$p-$t" "$mode" rps) p50_ms=$(fig "$p-$t" "$mode" p50) p99_ms=$(fig "$p-$t" "$mode" p99) cpu=$(fig "$p-$t" "$mode" cpu) req_per_cpu_s=$(fig "$p-$t" "$mode" eff)"
				fi
			done
			echo "ratio tollgate/haproxy trackers=$t mode=$mode req_per_s=$(div "$(fig "tollgate-$t" "$mode" rps)" "$(fig "haproxy-$t" "$mode" rps)" %.2f) p50=$(div "$(fig "tollgate-$t" "$mode" p50)" "$(fig "haproxy-$t" "$mode" p50)" %.2f) p99=$(div "$(fig "tollgate-$t" "$mode" p99)" "$(fig "haproxy-$t" "$mode" p99)" %.2f) req_per_cpu_s=$(div "$(fig "tollgate-$t" "$mode" eff)" "$(fig "haproxy-$t" "$mode" eff)" %.2f)"
		done
	done
	# paired rounds: per-round ratios and their median
	for t in $TRACKERS; do
		for mode in $MODES; do
			paired "$t" "$mode"
		done
	done
	# tracking tax: the fall in req/s from 0 trackers to 1 and to 3
	for p in haproxy tollgate; do
		for mode in $MODES; do
			r0=$(fig "$p-0" "$mode" rps) r1=$(fig "$p-1" "$mode" rps) r3=$(fig "$p-3" "$mode" rps)
			e0=$(fig "$p-0" "$mode" eff) e1=$(fig "$p-1" "$mode" eff) e3=$(fig "$p-3" "$mode" eff)
			tax() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && a > 0) printf "%.1f%%", (1 - b / a) * 100; else printf "n/a" }'; }
			echo "tracking_tax proxy=$p mode=$mode 0to1=$(tax "$r0" "$r1") 0to3=$(tax "$r0" "$r3") per_cpu_0to1=$(tax "$e0" "$e1") per_cpu_0to3=$(tax "$e0" "$e3")"
		done
	done
	# targets: keep-alive req/s >= 1.15x HAProxy with the same rules; tax
	# (0 -> 3 trackers, keep-alive) <= 3 %; p99 no worse than HAProxy's
	# raw req/s, then req/s per proxy CPU-second (the fair one when the
	# proxies did not get a full CPU); p99 is the raw latency in both
	for field in rps eff; do
		ok_rps="met" ok_p99="met" ok_tax="met"
		for t in $TRACKERS; do
			a=$(div "$(fig "tollgate-$t" keepalive $field)" "$(fig "haproxy-$t" keepalive $field)" %.4f)
			case $a in n/a) ok_rps="pending (Tollgate unavailable)" ;; *) awk -v a="$a" 'BEGIN { exit !(a < 1.15) }' && [ "$ok_rps" = met ] && ok_rps="NOT met" ;; esac
			for mode in $MODES; do
				b=$(div "$(fig "tollgate-$t" "$mode" p99)" "$(fig "haproxy-$t" "$mode" p99)" %.4f)
				case $b in n/a) ok_p99="pending (Tollgate unavailable)" ;; *) awk -v b="$b" 'BEGIN { exit !(b > 1.0) }' && [ "$ok_p99" = met ] && ok_p99="NOT met" ;; esac
			done
		done
		x=$(div "$(fig tollgate-3 keepalive $field)" "$(fig tollgate-0 keepalive $field)" %.4f)
		case $x in n/a) ok_tax="pending (Tollgate unavailable, or TRACKERS without 0 and 3)" ;; *) awk -v x="$x" 'BEGIN { exit !(x < 0.97) }' && ok_tax="NOT met" ;; esac
		if [ $field = rps ]; then label=target; else label=target_per_cpu; fi
		echo "$label keepalive req/s>=1.15x haproxy: $ok_rps; tracking tax 0->3 <=3%: $ok_tax; p99<=haproxy: $ok_p99"
	done
	cleanup
}

echo "http_vs_haproxy: about $est s ($ROUNDS round(s) of $runs_per_round wrk runs of ${DURATION} s, plus warm-ups)" >&2
if [ "$RECORD" = 1 ]; then
	mkdir -p bench/results
	out="bench/results/$(date -u +%Y-%m-%d-%H%M)-http-$(hostname -s).txt"
	run | tee "$out"
	echo "recorded in $out"
else
	run
fi
