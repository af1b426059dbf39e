/*
 * The master's own answers in `mcli-debug-mode on` (doc/management.md,
 * "Master-worker mode"). HAProxy's master then runs its whole CLI on its
 * own state: a process that serves no proxy and runs one thread. Tollgate's
 * master answers the commands that have a meaning for it, in the worker's
 * layouts (HAProxy's): its process information, its environment, its
 * poll loop's activity, its CLI sessions (frontend MASTER), and the empty
 * list of backends. show fd and show startup-logs are in master.c.
 *
 * Runs on the master's only thread; writes the answer in one go.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <tollgate/compiler.h>
#include <tollgate/version.h>

#include "master_int.h"

extern char **environ;

const char mdebug_help[] =
	"  show activity                           : show per-thread activity stats (for support/developers)\n"
	"  show backend                            : list backends in the current running config\n"
	"  show env [var]                          : dump environment variables known to the process\n"
	"  show fd [num]                           : dump list of file descriptors in use or a specific one\n"
	"  show info [desc|json|typed|float]*      : report information about the running process\n"
	"  show sess [id]                          : report the list of current sessions or dump this exact session\n"
	"  show startup-logs                       : report logs emitted during HAProxy startup\n";

/* `show info`: HAProxy's first fields, those the master has, in its order. */
static void mdebug_info(int fd, const struct mdebug_counters *ctr)
{
	long up = (long)(time(NULL) - ctr->started);
	struct rlimit rl = { 0 };

	if (up < 0)
		up = 0;
	getrlimit(RLIMIT_NOFILE, &rl);
	mcli_printf(fd, "Name: Tollgate\nVersion: %s\nRelease_date: %s\nNbthread: 1\nNbproc: 1\n"
	            "Process_num: 1\nPid: %d\nUptime: %ldd %ldh%02ldm%02lds\nUptime_sec: %ld\n"
	            "Ulimit-n: %llu\nCurrConns: %u\nCumConns: %llu\n\n",
	            TOLLGATE_VERSION, TOLLGATE_DATE, (int)getpid(), up / 86400, (up % 86400) / 3600,
	            (up % 3600) / 60, up % 60, up, (unsigned long long)rl.rlim_cur, ctr->cur_conns,
	            (unsigned long long)ctr->accepted);
}

/* `show env [<var>]`: the master's environment, HAProxy's error text. */
static void mdebug_env(int fd, const char *var)
{
	size_t len = var ? strlen(var) : 0;

	for (char **e = environ; *e; e++) {
		if (!var) {
			mcli_printf(fd, "%s\n", *e);
		} else if (!strncmp(*e, var, len) && (*e)[len] == '=') {
			mcli_printf(fd, "%s\n\n", *e);
			return;
		}
	}
	mcli_printf(fd, var ? "Variable not found\n\n" : "\n");
}

/* `show activity`: HAProxy's lines for one thread ("name: value"), the
 * master's poll loop counted; the others are 0.
 */
static void mdebug_activity(int fd, const struct mdebug_counters *ctr)
{
	static const char *const zero1[] = { "ctxsw", "tasksw", "empty_rq", "long_rq" };
	static const char *const zero2[] = { "wake_tasks", "wake_signal" };
	static const char *const zero3[] = { "poll_drop_fd", "poll_skip_fd", "conn_dead", "stream_calls",
		"pool_fail", "buf_wait", "cpust_ms_tot", "cpust_ms_1s", "cpust_ms_15s", "avg_loop_us" };
	static const char *const zero4[] = { "accq_pushed", "accq_full", "accq_ring", "fd_takeover" };
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	mcli_printf(fd, "thread_id: 1 (1..1)\ndate_now: %lld.%06ld\n", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	for (size_t i = 0; i < ARRAY_SIZE(zero1); i++)
		mcli_printf(fd, "%s: 0\n", zero1[i]);
	mcli_printf(fd, "loops: %llu\n", (unsigned long long)ctr->loops);
	for (size_t i = 0; i < ARRAY_SIZE(zero2); i++)
		mcli_printf(fd, "%s: 0\n", zero2[i]);
	mcli_printf(fd, "poll_io: %llu\npoll_exp: %llu\n", (unsigned long long)ctr->poll_io,
	            (unsigned long long)ctr->poll_exp);
	for (size_t i = 0; i < ARRAY_SIZE(zero3); i++)
		mcli_printf(fd, "%s: 0\n", zero3[i]);
	mcli_printf(fd, "accepted: %llu\n", (unsigned long long)ctr->accepted);
	for (size_t i = 0; i < ARRAY_SIZE(zero4); i++)
		mcli_printf(fd, "%s: 0\n", zero4[i]);
	mcli_printf(fd, "\n");
}

/* `show sess`: the master CLI's sessions, as HAProxy's master lists its
 * own (frontend and backend MASTER), in the worker's short form.
 */
static void mdebug_sess(int fd, const struct mdebug_sess *sess, int nsess)
{
	for (int i = 0; i < nsess; i++) {
		unsigned long long t = sess[i].age_ms / 1000;
		char age[32];

		if (t >= 86400)
			snprintf(age, sizeof(age), "%llud%lluh", t / 86400, t % 86400 / 3600);
		else if (t >= 3600)
			snprintf(age, sizeof(age), "%lluh%llum", t / 3600, t % 3600 / 60);
		else if (t >= 60)
			snprintf(age, sizeof(age), "%llum%llus", t / 60, t % 60);
		else
			snprintf(age, sizeof(age), "%llus", t);
		mcli_printf(fd, "%p: proto=unix_stream src=unix:1 fe=MASTER be=MASTER srv=<none> ts=00 age=%s calls=%llu tid=0\n",
		            sess[i].ptr, age, (unsigned long long)sess[i].calls);
	}
	mcli_printf(fd, "\n");
}

int mdebug_command(int fd, const char *cmd, const struct mdebug_counters *ctr,
                   const struct mdebug_sess *sess, int nsess)
{
	char w1[32] = "", w2[32] = "", w3[256] = "";

	sscanf(cmd, "%31s %31s %255s", w1, w2, w3);
	if (strcmp(w1, "show"))
		return 0;
	if (!strcmp(w2, "info"))
		mdebug_info(fd, ctr);
	else if (!strcmp(w2, "env"))
		mdebug_env(fd, w3[0] ? w3 : NULL);
	else if (!strcmp(w2, "activity"))
		mdebug_activity(fd, ctr);
	else if (!strcmp(w2, "sess"))
		mdebug_sess(fd, sess, nsess);
	else if (!strcmp(w2, "backend"))
		mcli_printf(fd, "# name\n\n");   /* the master serves no proxy */
	else
		return 0;
	return 1;
}
