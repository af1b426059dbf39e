/*
 * Time averages of `show stat` (qtime, ctime, rtime, ttime and their
 * maxima): each finished request or connection that reached a server adds
 * its times to its backend's and server's per-thread sliding sums, as
 * HAProxy's swrate over its last 1,024 samples; readers (admin/cli_proxy.c)
 * weigh the threads' sums by their sample counts.
 */
#ifndef TOLLGATE_STATS_H
#define TOLLGATE_STATS_H

#include <tollgate/counters.h>
#include <tollgate/proxy-t.h>
#include <tollgate/server-t.h>
#include <tollgate/stats-t.h>
#include <tollgate/thread.h>

#define STATS_TIME_SAMPLES 1024   /* HAProxy's TIME_STATS_SAMPLES */

/* Adds <v> to the sliding sum <sum> of a window of STATS_TIME_SAMPLES
 * samples, <count> samples seen before (the sum grows until the window is
 * full, then the oldest share decays). Owner thread only.
 */
static inline void stats_swrate_add(_Atomic uint64_t *sum, uint64_t count, uint64_t v)
{
	uint64_t s = atomic_load_explicit(sum, memory_order_relaxed);

	if (count >= STATS_TIME_SAMPLES)
		s -= (s + STATS_TIME_SAMPLES - 1) / STATS_TIME_SAMPLES;
	atomic_store_explicit(sum, s + v, memory_order_relaxed);
}

/* Records the times of a finished request or connection: <tw> queue, <tc>
 * connect, <tr> response (-1 in mode tcp: counted as 0, as HAProxy), <tt>
 * total, in ms, for backend <be> and server <srv> (either may be NULL).
 * Nothing is recorded unless the connection to the server was made
 * (<tc> >= 0) and, in mode http, a response came (<tr> >= 0). On the
 * stream's thread.
 */
static inline void stats_add_times(struct proxy *be, struct server *srv, int http, int tw, int tc,
                                   int tr, int tt)
{
	struct stat_times *tm[2] = { be ? &be->ctr[tid].tm : NULL, srv ? &srv->ctr[tid].tm : NULL };
	struct stat_extra *st[2] = { be ? &be->st : NULL, srv ? &srv->st : NULL };
	unsigned int v[4];

	if (tc < 0 || (http && tr < 0))
		return;
	v[0] = tw > 0 ? (unsigned int)tw : 0;
	v[1] = (unsigned int)tc;
	v[2] = http ? (unsigned int)tr : 0;
	v[3] = tt > 0 ? (unsigned int)tt : 0;
	for (int i = 0; i < 2; i++) {
		uint64_t n;

		if (!tm[i])
			continue;
		n = atomic_load_explicit(&tm[i]->samples, memory_order_relaxed);
		for (int k = 0; k < 4; k++) {
			stats_swrate_add(&tm[i]->sum[k], n, v[k]);
			counter_max(&st[i]->time_max[k], v[k]);
		}
		atomic_store_explicit(&tm[i]->samples, n + 1, memory_order_relaxed);
	}
}

#endif /* TOLLGATE_STATS_H */
