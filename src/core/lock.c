/*
 * Lock helpers: rwlock set-up, debug statistics and the fatal bug reporter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <tollgate/compiler.h>
#include <tollgate/lock.h>

static const char *const lock_label_names[LOCK_LABELS] = {
	[LOCK_OTHER]         = "OTHER",
	[LOCK_POOL]          = "POOL",
	[LOCK_POOL_LIST]     = "POOL_LIST",
	[LOCK_TASK_RQ]       = "TASK_RQ",
	[LOCK_TASK_WQ]       = "TASK_WQ",
	[LOCK_ISOLATE]       = "ISOLATE",
	[LOCK_TABLE_SHARD]   = "TABLE_SHARD",
	[LOCK_TABLE_ENTRY]   = "TABLE_ENTRY",
	[LOCK_TABLE_UPDATES] = "TABLE_UPDATES",
	[LOCK_TABLE_TOPK] = "TABLE_TOPK",
	[LOCK_TABLE]         = "TABLE",
	[LOCK_PIPE]          = "PIPE",
	[LOCK_QUEUE]         = "QUEUE",
	[LOCK_LB]            = "LB",
	[LOCK_VARS]          = "VARS",
	[LOCK_LOGSRV]        = "LOGSRV",
	[LOCK_RING]          = "RING",
};

void bug_fatal(const char *cond, const char *file, int line)
{
	fprintf(stderr, "FATAL: bug condition \"%s\" matched at %s:%d\n", cond, file, line);
	fflush(stderr);
	abort();
}

const char *lock_label_name(enum lock_label label)
{
	if ((unsigned)label >= LOCK_LABELS || !lock_label_names[label])
		return "UNKNOWN";
	return lock_label_names[label];
}

#ifdef TG_DEBUG
struct lock_stat lock_stats[LOCK_LABELS];

uint64_t lock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Takes <l> through <try>, timing the wait when it is contended. */
static void rw_take(struct rwlock *l, int (*try)(pthread_rwlock_t *), int (*take)(pthread_rwlock_t *))
{
	uint64_t start;

	if (try(&l->rw) != 0) {
		start = lock_now_ns();
		take(&l->rw);
		atomic_fetch_add_explicit(&lock_stats[l->label].contended, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&lock_stats[l->label].wait_ns, lock_now_ns() - start, memory_order_relaxed);
	}
	atomic_fetch_add_explicit(&lock_stats[l->label].acquired, 1, memory_order_relaxed);
}

void rw_rdlock(struct rwlock *l)
{
	rw_take(l, pthread_rwlock_tryrdlock, pthread_rwlock_rdlock);
}

void rw_wrlock(struct rwlock *l)
{
	rw_take(l, pthread_rwlock_trywrlock, pthread_rwlock_wrlock);
}

int lock_stats_dump(FILE *out)
{
	for (int i = 0; i < LOCK_LABELS; i++) {
		uint64_t acq = atomic_load(&lock_stats[i].acquired);
		uint64_t cont = atomic_load(&lock_stats[i].contended);
		uint64_t ns = atomic_load(&lock_stats[i].wait_ns);

		if (!acq)
			continue;
		fprintf(out, "Stats about Lock %s:\n", lock_label_name(i));
		fprintf(out, "\t # acquired: %llu\n", (unsigned long long)acq);
		fprintf(out, "\t # contended: %llu\n", (unsigned long long)cont);
		fprintf(out, "\t # total wait time: %.3f msec\n", ns / 1e6);
		fprintf(out, "\t # average wait time when contended: %.3f nsec\n",
		        cont ? (double)ns / cont : 0.0);
	}
	return 0;
}
#else
int lock_stats_dump(FILE *out)
{
	fprintf(out, "Lock statistics are only available in debug builds (make DEBUG=1).\n");
	return 0;
}
#endif

int rw_init(struct rwlock *l, enum lock_label label)
{
	pthread_rwlockattr_t attr;
	int ret;

#ifdef TG_DEBUG
	l->label = label;
#else
	(void)label;
#endif
	ret = pthread_rwlockattr_init(&attr);
	if (ret)
		return ret;
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	ret = pthread_rwlock_init(&l->rw, &attr);
	pthread_rwlockattr_destroy(&attr);
	return ret;
}

void rw_destroy(struct rwlock *l)
{
	pthread_rwlock_destroy(&l->rw);
}
