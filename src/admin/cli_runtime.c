/*
 * Admin socket commands on the runtime: show pools, show tasks, show
 * threads, show activity, show fd, show lock stats, show version.
 *
 * They read per-thread counters (racy snapshots of relaxed atomics, see
 * thread.h and task.h) and the pools' statistics; nothing here changes
 * state. Outputs are short (a line per pool or per thread), written in one
 * go into the session's output buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/trafficlog.h>
#include <tollgate/cli.h>
#include <tollgate/log.h>
#include <tollgate/fd.h>
#include <tollgate/listener.h>
#include <tollgate/lock.h>
#include <tollgate/pool.h>
#include <tollgate/task.h>
#include <tollgate/thread.h>
#include <tollgate/version.h>

/* Runs <fn>(FILE *) with its output going straight into the session's
 * output buffer (truncated if it does not fit).
 */
static int run_into_buffer(struct cli_session *s, int (*fn)(FILE *))
{
	size_t room;
	char *out = cli_tail(s, &room);
	FILE *f;
	long n;

	if (room < 2)
		return CLI_DONE;
	f = fmemopen(out, room, "w");
	if (!f)
		return cli_err(s, "Out of memory.\n");
	setvbuf(f, NULL, _IONBF, 0);
	fn(f);
	n = ftell(f);
	fclose(f);
	if (n > 0)
		cli_commit(s, (size_t)n < room ? (size_t)n : room - 1);
	return CLI_DONE;
}

static int parse_show_pools(struct cli_session *s, int argc, char **args)
{
	return run_into_buffer(s, pool_dump);
}

static int parse_show_lock_stats(struct cli_session *s, int argc, char **args)
{
	return run_into_buffer(s, lock_stats_dump);
}

static int parse_show_version(struct cli_session *s, int argc, char **args)
{
	/* a message (HAProxy's cli_msg()): prefixed by `set severity-output` */
	return cli_msg(s, TOLLGATE_VERSION "\n");
}

/* `show startup-logs`: the messages of the start-up (log.h), streamed
 * from the offset kept in the context; "\n" when there were none, as
 * HAProxy.
 */
static int dump_startup_logs(struct cli_session *s)
{
	size_t *off = cli_ctx(s), room, n;
	char *out = cli_tail(s, &room);

	n = log_startup_read(*off, out, room);
	cli_commit(s, n);
	*off += n;
	return n == 0;
}

static int parse_show_startup_logs(struct cli_session *s, int argc, char **args)
{
	char c;

	if (!log_startup_read(0, &c, 1))
		return cli_msg(s, "\n");
	return CLI_DUMP;
}

static int parse_show_tasks(struct cli_session *s, int argc, char **args)
{
	unsigned int rq = 0, wq = 0;

	sched_shared_lengths(&rq, &wq);
	cli_printf(s, "Running tasks: %d threads\n", thread_count);
	cli_printf(s, "# thr  rq_len  wq_len  tasks  inbound_wakeups\n");
	for (int t = 0; t < thread_count; t++) {
		struct sched_stats st;

		sched_get_stats(t, &st);
		cli_printf(s, "  %-3d  %6u  %6u  %5u  %llu\n", t + 1, st.rq_len, st.wq_len, st.tasks,
		           (unsigned long long)st.inbound_wakeups);
	}
	cli_printf(s, "shared: rq_len %u wq_len %u\n", rq, wq);
	return CLI_DONE;
}

static int parse_show_threads(struct cli_session *s, int argc, char **args)
{
	for (int t = 0; t < thread_count; t++) {
		struct thread_stats *ts = thread_stats(t);

		cli_printf(s, "%sThread %-2u: id=0x%x act=%d loops=%llu tasks_run=%llu fds=%u wakeups=%llu poll_ms=%llu fd_events=%llu isolations=%llu\n",
		           t == tid ? "*" : " ", t + 1, t, 1,
		           (unsigned long long)atomic_load_explicit(&ts->loops, memory_order_relaxed),
		           (unsigned long long)atomic_load_explicit(&ts->tasks_run, memory_order_relaxed),
		           atomic_load_explicit(&ts->fds, memory_order_relaxed),
		           (unsigned long long)atomic_load_explicit(&ts->wakeups, memory_order_relaxed),
		           (unsigned long long)atomic_load_explicit(&ts->poll_ns, memory_order_relaxed) / 1000000ULL,
		           (unsigned long long)atomic_load_explicit(&ts->fd_events, memory_order_relaxed),
		           (unsigned long long)atomic_load_explicit(&ts->isolations, memory_order_relaxed));
	}
	return CLI_DONE;
}

/* One HAProxy-style activity line: name, total, then one value per thread
 * in brackets ("loops: 912 [ 425 487 ]"); <off> < 0 prints zeros (a
 * counter HAProxy prints that Tollgate does not keep).
 */
static void activity_line(struct cli_session *s, const char *name, long off, int is32)
{
	unsigned long long tot = 0, v[MAX_THREADS];

	for (int t = 0; t < thread_count; t++) {
		const char *p = (const char *)thread_stats(t) + off;

		v[t] = off < 0 ? 0 : is32 ? atomic_load_explicit((_Atomic uint32_t *)p, memory_order_relaxed)
		                        : atomic_load_explicit((_Atomic uint64_t *)p, memory_order_relaxed);
		tot += v[t];
	}
	cli_printf(s, "%s: %llu [ ", name, tot);
	for (int t = 0; t < thread_count; t++)
		cli_printf(s, "%llu ", v[t]);
	cli_printf(s, "]\n");
}

#define ACT(field) ((long)offsetof(struct thread_stats, field))

/* avg_loop_us of thread <t>: the sliding average (THREAD_LOOP_SAMPLES) of
 * a pass's work time, rounded up as HAProxy's swrate_avg().
 */
static unsigned long long activity_avg_loop(int t)
{
	uint64_t sum = atomic_load_explicit(&thread_stats(t)->loop_us_sum, memory_order_relaxed);

	return (sum + THREAD_LOOP_SAMPLES - 1) / THREAD_LOOP_SAMPLES;
}

static int parse_show_activity(struct cli_session *s, int argc, char **args)
{
	/* HAProxy 2.6's lines, in its order, with the counter Tollgate keeps
	 * for each (-1: none, printed 0)
	 */
	static const struct { const char *name; long off; } lines[] = {
		{ "ctxsw", ACT(tasks_run) }, { "tasksw", ACT(tasks_sw) }, { "empty_rq", ACT(empty_rq) },
		{ "long_rq", ACT(long_rq) }, { "loops", ACT(loops) }, { "wake_tasks", ACT(wake_tasks) },
		{ "wake_signal", -1 }, { "poll_io", ACT(poll_io) }, { "poll_exp", ACT(poll_exp) },
		{ "poll_drop_fd", -1 }, { "poll_skip_fd", -1 }, { "conn_dead", -1 },
		{ "stream_calls", ACT(stream_calls) }, { "pool_fail", -1 }, { "buf_wait", -1 },
		{ "cpust_ms_tot", -1 }, { "cpust_ms_1s", -1 }, { "cpust_ms_15s", -1 },
	};
	static const struct { const char *name; long off; } lines2[] = {
		{ "accepted", ACT(accepted) }, { "accq_pushed", -1 }, { "accq_full", -1 },
		{ "accq_ring", -1 }, { "fd_takeover", -1 },
	};
	unsigned long long avg[MAX_THREADS], avg_tot = 0;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	cli_printf(s, "thread_id: %d (%d..%d)\n", tid + 1, 1, thread_count);
	cli_printf(s, "date_now: %lld.%06ld\n", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		activity_line(s, lines[i].name, lines[i].off, 0);
	/* HAProxy's total of an average is the average of the threads' */
	for (int t = 0; t < thread_count; t++)
		avg_tot += avg[t] = activity_avg_loop(t);
	cli_printf(s, "avg_loop_us: %llu [ ", thread_count ? avg_tot / (unsigned int)thread_count : 0);
	for (int t = 0; t < thread_count; t++)
		cli_printf(s, "%llu ", avg[t]);
	cli_printf(s, "]\n");
	for (size_t i = 0; i < ARRAY_SIZE(lines2); i++)
		activity_line(s, lines2[i].name, lines2[i].off, 0);
	/* Tollgate's own counters */
	activity_line(s, "thread_wakeups", ACT(wakeups), 0);
	activity_line(s, "poll_ns", ACT(poll_ns), 0);
	activity_line(s, "fd_events", ACT(fd_events), 0);
	activity_line(s, "isolations", ACT(isolations), 0);
	activity_line(s, "fds", ACT(fds), 1);
	cli_printf(s, "dropped_logs: %llu\n", (unsigned long long)log_dropped());
	cli_printf(s, "stale_fd_events: %llu\n",
	           (unsigned long long)atomic_load_explicit(&fd_stale_events, memory_order_relaxed));
	/* written by the main thread before the workers started */
	cli_printf(s, "reused_listeners: %u\n", listeners_reused());
	return CLI_DONE;
}

/* show fd: a copy of the fd table taken under isolation, printed with
 * back-pressure.
 */
struct fd_ctx {
	struct fd_info *fds;            /* copy (malloc'ed) */
	int n;                          /* entries in it */
	int pos;                        /* next to print */
	int only;                       /* the one fd shown, -1: all */
};

static int parse_show_fd(struct cli_session *s, int argc, char **args)
{
	struct fd_ctx *c = cli_ctx(s);
	int max = 256;

	c->only = argc > 2 ? atoi(args[2]) : -1;
	for (int t = 0; t < thread_count; t++)
		max += (int)atomic_load_explicit(&thread_stats(t)->fds, memory_order_relaxed);
	for (int tries = 0; tries < 4; tries++) {
		int n;

		free(c->fds);
		c->fds = calloc((size_t)max, sizeof(*c->fds));
		if (!c->fds)
			return cli_err(s, "Out of memory.\n");
		n = fd_snapshot(c->fds, max);
		c->n = n < max ? n : max;
		if (n <= max)
			break;
		max = n + 256;
	}
	return CLI_DUMP;
}

static int dump_show_fd(struct cli_session *s)
{
	struct fd_ctx *c = cli_ctx(s);

	for (; c->pos < c->n; c->pos++) {
		const struct fd_info *f = &c->fds[c->pos];
		unsigned long mask = 1UL << f->thr;

		if (c->only >= 0 && f->fd != c->only)
			continue;
		if (cli_printf(s, "%7d : ev=%s%s%s tmask=0x%lx umask=0x0 prmsk=0x%lx pwmsk=0x%lx owner=%p iocb=%p(%s) kind=%s tid=%d\n",
		               f->fd, (f->events & FD_EV_IN) ? "I" : "i", (f->events & FD_EV_OUT) ? "O" : "o",
		               (f->events & FD_EV_ET) ? "E" : "e", mask, (f->events & FD_EV_IN) ? mask : 0UL,
		               (f->events & FD_EV_OUT) ? mask : 0UL, f->owner, (void *)(uintptr_t)f->iocb,
		               f->name, f->kind, f->thr + 1) < 0)
			return 0;
	}
	return 1;
}

static void release_show_fd(struct cli_session *s)
{
	struct fd_ctx *c = cli_ctx(s);

	free(c->fds);
	c->fds = NULL;
}

static struct cli_kw runtime_kws[] = {
	{ { "show", "pools", NULL }, "show pools                              : report information about the memory pools usage",
	  CLI_LVL_USER, parse_show_pools, NULL, NULL, NULL },
	{ { "show", "tasks", NULL }, "show tasks                              : show running tasks",
	  CLI_LVL_USER, parse_show_tasks, NULL, NULL, NULL },
	{ { "show", "threads", NULL }, "show threads                            : show some threads debugging information",
	  CLI_LVL_USER, parse_show_threads, NULL, NULL, NULL },
	{ { "show", "activity", NULL }, "show activity                           : show per-thread activity stats (for support/developers)",
	  CLI_LVL_OPER, parse_show_activity, NULL, NULL, NULL },
	{ { "show", "fd", NULL }, "show fd [num]                           : dump list of file descriptors in use or a specific one",
	  CLI_LVL_OPER, parse_show_fd, dump_show_fd, release_show_fd, NULL },
	{ { "show", "lock", "stats", NULL }, "show lock stats                         : show lock statistics (debug builds)",
	  CLI_LVL_OPER, parse_show_lock_stats, NULL, NULL, NULL },
	{ { "show", "startup-logs", NULL }, "show startup-logs                       : report logs emitted during HAProxy startup",
	  CLI_LVL_OPER, parse_show_startup_logs, dump_startup_logs, NULL, NULL },
	{ { "show", "version", NULL }, "show version                            : show version of the current process",
	  CLI_LVL_USER, parse_show_version, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list runtime_kw_list = { runtime_kws, NULL };

__attribute__((constructor)) static void cli_runtime_register(void)
{
	cli_register(&runtime_kw_list);
}
