/*
 * Lock types. See lock.h for the principle and the functions.
 */
#ifndef TOLLGATE_LOCK_T_H
#define TOLLGATE_LOCK_T_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* Every lock carries a label naming what it protects; debug builds count
 * acquisitions and waits per label (`show lock stats`). Adding a label means
 * adding it here and its name in lock.c.
 */
enum lock_label {
	LOCK_OTHER = 0,       /* unlabelled / tests */
	LOCK_POOL,            /* a pool's shared free list */
	LOCK_POOL_LIST,       /* the list of pools */
	LOCK_TASK_RQ,         /* the shared run queue */
	LOCK_TASK_WQ,         /* the shared wait queue */
	LOCK_ISOLATE,         /* thread isolation bookkeeping */
	LOCK_TABLE_SHARD,     /* a stick-table shard (index and expiry order) */
	LOCK_TABLE_ENTRY,     /* a stick-table entry's data */
	LOCK_TABLE_UPDATES,   /* a stick-table's update log segment */
	LOCK_TABLE,           /* a stick-table's global state (single-lock mode) */
	LOCK_TABLE_TOPK,      /* a stick-table's top-N candidate set */
	LOCK_PIPE,            /* the pool of splice pipes */
	LOCK_QUEUE,           /* a backend's queue of streams waiting for a server */
	LOCK_LB,              /* a backend's load-balancing state */
	LOCK_VARS,            /* the process-wide (proc.) variables */
	LOCK_LOGSRV,          /* a TCP log server's queue (logbe.h) */
	LOCK_RING,            /* a ring (ring.h) */
	LOCK_LABELS           /* count, must be last */
};

/* Spinlock: for short critical sections with no system call inside. */
struct spinlock {
	atomic_int locked;        /* 0: free, 1: held */
#ifdef TG_DEBUG
	enum lock_label label;    /* what it protects, for statistics */
#endif
};

/* Reader/writer lock: many readers or one writer. Backed by the pthread
 * rwlock (which sleeps on contention), preferring writers.
 */
struct rwlock {
	pthread_rwlock_t rw;      /* the lock itself */
#ifdef TG_DEBUG
	enum lock_label label;    /* what it protects, for statistics */
#endif
};

/* Per-label statistics, maintained in debug builds only. */
struct lock_stat {
	_Atomic uint64_t acquired;     /* successful acquisitions (any mode) */
	_Atomic uint64_t contended;    /* acquisitions that had to wait */
	_Atomic uint64_t wait_ns;      /* total nanoseconds spent waiting */
};

#endif /* TOLLGATE_LOCK_T_H */
