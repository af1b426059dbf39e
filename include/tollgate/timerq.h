/*
 * Timer queues: an intrusive binary min-heap of dates (ticks).
 *
 * The heap is a pointer tree, so it never allocates: a node lives inside the
 * object it times (struct task). Insert and remove are O(log n), reading the
 * earliest date is O(1). Dates are compared with wrapping tick arithmetic,
 * so all dates in one queue must lie within 2^31 ms of each other; nodes
 * with equal dates come out in no particular order.
 *
 * No locking here: the owner of the queue protects it (a worker thread owns
 * its own queue; the shared queue sits under LOCK_TASK_WQ, see task.h).
 */
#ifndef TOLLGATE_TIMERQ_H
#define TOLLGATE_TIMERQ_H

#include <stdint.h>

struct timerq_node {
	struct timerq_node *parent;   /* NULL for the root */
	struct timerq_node *left;     /* child, or NULL */
	struct timerq_node *right;    /* child, or NULL */
	uint32_t key;                 /* the date this node is placed at */
	uint32_t queued;              /* 1 while in a queue */
};

struct timerq {
	struct timerq_node *root;     /* earliest node, or NULL if empty */
	unsigned int count;           /* number of nodes */
};

static inline void timerq_init(struct timerq *q)
{
	q->root = 0;
	q->count = 0;
}

static inline void timerq_node_init(struct timerq_node *n)
{
	n->parent = n->left = n->right = 0;
	n->key = 0;
	n->queued = 0;
}

static inline int timerq_node_queued(const struct timerq_node *n)
{
	return n->queued;
}

/* Returns the earliest node without removing it, or NULL if empty. */
static inline struct timerq_node *timerq_first(const struct timerq *q)
{
	return q->root;
}

/* Inserts <n> at date <key>, O(log n). <n> must not be queued (BUG_ON). */
void timerq_insert(struct timerq *q, struct timerq_node *n, uint32_t key);

/* Removes <n>, which must be queued in <q> (BUG_ON if not queued at all),
 * O(log n). On return <n> is not queued, its links are cleared and its key
 * is kept. Popping the earliest node is timerq_remove(q, timerq_first(q)).
 */
void timerq_remove(struct timerq *q, struct timerq_node *n);

/* Checks the links of every node (each child points back to its parent),
 * the heap order, that every node is flagged queued, and that the tree is
 * complete with exactly q->count nodes. Returns the number of nodes, or -1
 * if an invariant is broken; never loops on a corrupted tree. O(n), for
 * tests.
 */
int timerq_check(const struct timerq *q);

#endif /* TOLLGATE_TIMERQ_H */
