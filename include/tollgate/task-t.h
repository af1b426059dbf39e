/*
 * Task and tasklet types. See task.h for the principle and the functions.
 */
#ifndef TOLLGATE_TASK_T_H
#define TOLLGATE_TASK_T_H

#include <stdatomic.h>
#include <stdint.h>

#include <tollgate/timerq.h>

/* State bits (tasklet.state), changed only with atomic operations. */
#define TASK_QUEUED       0x0001U   /* in a run queue: local, inbound or shared */
#define TASK_RUNNING      0x0002U   /* its handler is running (tasks only) */
#define TASK_KILLED       0x0004U   /* destroyed while queued: freed when dequeued */

/* Wake reasons, accumulated until the handler runs, passed to it. */
#define TASK_WOKEN_INIT   0x0100U   /* first run */
#define TASK_WOKEN_TIMER  0x0200U   /* its expiry date was reached */
#define TASK_WOKEN_IO     0x0400U   /* an fd it watches is ready */
#define TASK_WOKEN_SIGNAL 0x0800U   /* a signal or an administrative event */
#define TASK_WOKEN_MSG    0x1000U   /* another entity sent it something */
#define TASK_WOKEN_RES    0x2000U   /* a resource it waited for is available */
#define TASK_WOKEN_OTHER  0x4000U   /* any other reason */
#define TASK_WOKEN_ANY    0x7F00U

/* Flags (tasklet.flags), set at creation and never changed. */
#define TASK_F_TASK       0x0001U   /* this is a struct task (it has a timer) */
#define TASK_F_SHARED     0x0002U   /* may run on several threads */

struct task;
struct tasklet;

/* A task's handler. Called with the reasons it was woken for. Returns <t>,
 * or NULL if it destroyed the task (task_destroy() from inside the handler).
 */
typedef struct task *(*task_fn)(struct task *t, void *ctx, unsigned int state);

/* A tasklet's handler. It may free the tasklet (tasklet_free()). */
typedef void (*tasklet_fn)(struct tasklet *tl, void *ctx, unsigned int state);

struct tasklet {
	struct tasklet *next;           /* link while in a run queue */
	_Atomic unsigned int state;     /* TASK_QUEUED, TASK_RUNNING, TASK_WOKEN_* */
	unsigned short flags;           /* TASK_F_*, immutable */
	short tid;                      /* owner thread, -1 for a shared task */
	union {
		task_fn task;           /* when TASK_F_TASK */
		tasklet_fn tasklet;     /* otherwise */
	} process;                      /* the handler */
	void *context;                  /* handler's argument */
	const char *name;               /* handler name for `show tasks` */
	_Atomic uint64_t calls;         /* handler calls (written by the runner) */
	_Atomic uint64_t cpu_ns;        /* time in the handler, when profiling */
};

struct task {
	struct tasklet tl;              /* scheduling part, must stay first */
	struct timerq_node wq;          /* place in a wait queue (its lock/owner) */
	_Atomic uint32_t expire;        /* wanted expiry; written under the wait
	                                 * queue's lock (shared) or by the owner */
	unsigned long thread_mask;      /* threads allowed to run it */
};

/* Per-thread scheduler counters, for `show tasks`. */
struct sched_stats {
	unsigned int rq_len;            /* tasks ready in the local run queue */
	unsigned int wq_len;            /* timers in the local wait queue */
	unsigned int tasks;             /* tasks and tasklets owned */
	uint64_t inbound_wakeups;       /* wakeups received from other threads */
};

#endif /* TOLLGATE_TASK_T_H */
