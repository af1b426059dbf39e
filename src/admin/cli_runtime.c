/*
 * Admin socket commands on the runtime: show pools, show tasks, show
 * threads, show activity, show lock stats, show version.
 *
 * They read per-thread counters (racy snapshots of relaxed atomics, see
 * thread.h and task.h) and the pools' statistics; nothing here changes
 * state. Outputs are short (a line per pool or per thread), written in one
 * go into the session's output buffer.
 */
#include <stdio.h>
#include <string.h>

#include <tollgate/trafficlog.h>
#include <tollgate/cli.h>
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
		return cli_msg(s, "Out of memory.\n");
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
	cli_printf(s, "%s\n", TOLLGATE_VERSION);
	return CLI_DONE;
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
 * in brackets.
 */
static void activity_line(struct cli_session *s, const char *name, size_t off, int is32)
{
	unsigned long long tot = 0;

	for (int t = 0; t < thread_count; t++) {
		const char *p = (const char *)thread_stats(t) + off;

		tot += is32 ? atomic_load_explicit((_Atomic uint32_t *)p, memory_order_relaxed)
		            : atomic_load_explicit((_Atomic uint64_t *)p, memory_order_relaxed);
	}
	cli_printf(s, "%s: %llu [", name, tot);
	for (int t = 0; t < thread_count; t++) {
		const char *p = (const char *)thread_stats(t) + off;
		unsigned long long v = is32 ? atomic_load_explicit((_Atomic uint32_t *)p, memory_order_relaxed)
		                            : atomic_load_explicit((_Atomic uint64_t *)p, memory_order_relaxed);

		cli_printf(s, "%s%llu", t ? " " : "", v);
	}
	cli_printf(s, "]\n");
}

static int parse_show_activity(struct cli_session *s, int argc, char **args)
{
	cli_printf(s, "thread_id: %d (%d..%d)\n", tid + 1, 1, thread_count);
	activity_line(s, "loops", offsetof(struct thread_stats, loops), 0);
	activity_line(s, "wake_tasks", offsetof(struct thread_stats, tasks_run), 0);
	activity_line(s, "wake_signal", offsetof(struct thread_stats, wakeups), 0);
	activity_line(s, "poll_ns", offsetof(struct thread_stats, poll_ns), 0);
	activity_line(s, "fd_events", offsetof(struct thread_stats, fd_events), 0);
	activity_line(s, "isolations", offsetof(struct thread_stats, isolations), 0);
	activity_line(s, "fds", offsetof(struct thread_stats, fds), 1);
	cli_printf(s, "dropped_logs: %llu\n", (unsigned long long)log_dropped());
	cli_printf(s, "stale_fd_events: %llu\n",
	           (unsigned long long)atomic_load_explicit(&fd_stale_events, memory_order_relaxed));
	/* written by the main thread before the workers started */
	cli_printf(s, "reused_listeners: %u\n", listeners_reused());
	return CLI_DONE;
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
	{ { "show", "lock", "stats", NULL }, "show lock stats                         : show lock statistics (debug builds)",
	  CLI_LVL_OPER, parse_show_lock_stats, NULL, NULL, NULL },
	{ { "show", "version", NULL }, "show version                            : show version of the current process",
	  CLI_LVL_USER, parse_show_version, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list runtime_kw_list = { runtime_kws, NULL };

__attribute__((constructor)) static void cli_runtime_register(void)
{
	cli_register(&runtime_kw_list);
}
