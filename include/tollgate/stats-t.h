/*
 * What a proxy or a server keeps for `show stat` beside its per-thread
 * counters (counters.h): maxima and its state history. Read by any thread
 * with relaxed loads.
 *
 * Writers: the maxima are raised with counter_max() (a CAS only when a new
 * maximum is seen) by the thread that changed the value, or, for rates,
 * by whoever reads them (admin/cli_proxy.c samples them every 200 ms); the
 * state history is written by server_set_state() (server.c) and the check
 * that failed (check.c). `clear counters` resets them under isolation.
 */
#ifndef TOLLGATE_STATS_T_H
#define TOLLGATE_STATS_T_H

#include <stdatomic.h>
#include <stdint.h>

struct stat_extra {
	_Atomic unsigned int cur_max;     /* smax: highest current sessions (proxies) */
	_Atomic unsigned int queue_max;   /* qmax: highest queue length (backends) */
	_Atomic unsigned int sps_max;     /* rate_max: highest session rate */
	_Atomic unsigned int cps_max;     /* conn_rate_max: highest connection rate (frontends) */
	_Atomic unsigned int rps_max;     /* req_rate_max: highest HTTP request rate (frontends) */
	_Atomic uint64_t last_change_ns;  /* clock_mono_ns() of the last UP/DOWN change, 0: the start */
	_Atomic uint64_t down_ns;         /* time spent DOWN before <last_change_ns> */
	_Atomic uint64_t down_trans;      /* chkdown: UP to DOWN transitions */
	_Atomic uint64_t failed_checks;   /* chkfail: failed health checks (servers) */
	_Atomic unsigned int time_max[4]; /* qtime_max, ctime_max, rtime_max, ttime_max (ms) */
};

/* Per-thread sliding sums of the times of the last requests (stats.h). */
struct stat_times {
	_Atomic uint64_t samples;         /* requests recorded by this thread */
	_Atomic uint64_t sum[4];          /* queue, connect, response, total (ms) */
};

/* Raises the maximum <m> to <v> if <v> is higher. Any thread. */
static inline void counter_max(_Atomic unsigned int *m, unsigned int v)
{
	unsigned int cur = atomic_load_explicit(m, memory_order_relaxed);

	while (v > cur && !atomic_compare_exchange_weak_explicit(m, &cur, v, memory_order_relaxed,
	                                                        memory_order_relaxed))
		;
}

#endif /* TOLLGATE_STATS_T_H */
