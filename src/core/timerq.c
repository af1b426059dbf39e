/*
 * Timer queues: an intrusive binary min-heap kept as a pointer tree.
 *
 * The heap is a complete binary tree of <count> nodes linked by parent/left/
 * right pointers. Nodes are numbered 1..count in level order; the node number
 * k is reached from the root by reading the bits of k below its top bit, from
 * the highest down: 0 goes left, 1 goes right. So the slot where an insert
 * lands (count + 1) and the node a removal moves (count) are both found in
 * O(log n) without any array or allocation.
 *
 * Nodes are embedded in the objects they time, so the heap moves NODES (it
 * relinks them) rather than swapping keys between them: a node's address is
 * its identity for the whole time it is queued.
 *
 * Order is tick order (tick_is_lt()), which wraps; nodes with equal keys come
 * out in no particular order. No locking: see timerq.h.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/compiler.h>
#include <tollgate/ticks.h>
#include <tollgate/timerq.h>

/* Returns the node at level-order position <pos> (1 <= pos <= q->count). */
static struct timerq_node *timerq_at(const struct timerq *q, unsigned int pos)
{
	struct timerq_node *n = q->root;
	int bit = (int)(sizeof(pos) * CHAR_BIT) - 1 - __builtin_clz(pos);

	while (--bit >= 0)
		n = ((pos >> bit) & 1) ? n->right : n->left;
	return n;
}

/* Makes whatever pointed to <old> as a child (its parent, or the queue's
 * root) point to <new> instead. <old>'s own links are read, not changed.
 */
static void timerq_relink_parent(struct timerq *q, struct timerq_node *old, struct timerq_node *new)
{
	struct timerq_node *p = old->parent;

	if (!p)
		q->root = new;
	else if (p->left == old)
		p->left = new;
	else
		p->right = new;
}

/* Swaps node <c> with its parent: <c> takes its parent's place in the tree
 * and the parent takes <c>'s place. Every other node keeps its place. <c>
 * must have a parent.
 */
static void timerq_swap_with_parent(struct timerq *q, struct timerq_node *c)
{
	struct timerq_node *p = c->parent;
	struct timerq_node *cl = c->left;
	struct timerq_node *cr = c->right;

	/* The grandparent (or the root) now points to c. */
	timerq_relink_parent(q, p, c);
	c->parent = p->parent;

	/* c adopts p as one child and its former sibling as the other. */
	if (p->left == c) {
		c->left = p;
		c->right = p->right;
		if (c->right)
			c->right->parent = c;
	} else {
		c->right = p;
		c->left = p->left;
		if (c->left)
			c->left->parent = c;
	}

	/* p goes down to where c was and adopts c's former children. */
	p->parent = c;
	p->left = cl;
	if (cl)
		cl->parent = p;
	p->right = cr;
	if (cr)
		cr->parent = p;
}

/* Moves <n> up while it is strictly before its parent. */
static void timerq_sift_up(struct timerq *q, struct timerq_node *n)
{
	while (n->parent && tick_is_lt(n->key, n->parent->key))
		timerq_swap_with_parent(q, n);
}

/* Moves <n> down while one of its children is strictly before it, always
 * exchanging it with the earlier of the two children.
 */
static void timerq_sift_down(struct timerq *q, struct timerq_node *n)
{
	struct timerq_node *c;

	while ((c = n->left) != NULL) {
		if (n->right && tick_is_lt(n->right->key, c->key))
			c = n->right;
		if (!tick_is_lt(c->key, n->key))
			break;
		timerq_swap_with_parent(q, c);
	}
}

/* Inserts <n>, which must not be queued, at date <key>. O(log n). */
void timerq_insert(struct timerq *q, struct timerq_node *n, uint32_t key)
{
	unsigned int pos;

	BUG_ON(n->queued);
	BUG_ON(q->count == UINT_MAX);

	n->key = key;
	n->queued = 1;
	n->left = n->right = NULL;

	pos = ++q->count;
	if (pos == 1) {
		n->parent = NULL;
		q->root = n;
		return;
	}

	/* Attach at the first free slot: the child of node pos/2 on the side
	 * given by the lowest bit of pos.
	 */
	n->parent = timerq_at(q, pos / 2);
	if (pos & 1)
		n->parent->right = n;
	else
		n->parent->left = n;

	timerq_sift_up(q, n);
}

/* Removes <n>, which must be queued in <q>. The last node of the tree
 * replaces it and is sifted up or down from there. On return <n> is not
 * queued and its links are cleared; its key is kept. O(log n).
 */
void timerq_remove(struct timerq *q, struct timerq_node *n)
{
	struct timerq_node *last;

	BUG_ON(!n->queued);
	BUG_ON(q->count == 0);

	/* Detach the last node first: if it is a child of <n>, <n> then no
	 * longer points to it, so the replacement below never has to deal
	 * with a node adjacent to itself.
	 */
	last = timerq_at(q, q->count);
	timerq_relink_parent(q, last, NULL);
	q->count--;

	if (last != n) {
		last->parent = n->parent;
		last->left = n->left;
		last->right = n->right;
		if (last->left)
			last->left->parent = last;
		if (last->right)
			last->right->parent = last;
		timerq_relink_parent(q, n, last);

		/* <last> came from another subtree: it may be before its new
		 * parent, or after its new children, but not both.
		 */
		if (last->parent && tick_is_lt(last->key, last->parent->key))
			timerq_sift_up(q, last);
		else
			timerq_sift_down(q, last);
	}

	n->parent = n->left = n->right = NULL;
	n->queued = 0;
}

/* Checks the link from <p> to its child <c> and their order; returns 0 if
 * both are right, -1 otherwise.
 */
static int timerq_check_child(const struct timerq_node *p, const struct timerq_node *c)
{
	if (c->parent != p)
		return -1;
	if (tick_is_lt(c->key, p->key))
		return -1;
	return 0;
}

/* Walks the whole tree depth first without recursion nor allocation (using
 * the parent links, which are checked before being followed) and verifies:
 * every child points back to its parent, no child is before its parent,
 * every node is flagged queued, and the nodes fill exactly the level-order
 * positions 1..count, which makes the tree complete and the count right.
 * Any corruption, including cycles, is reported rather than followed
 * forever: a walk never goes deeper than position <count> nor visits more
 * than <count> nodes. Returns the number of nodes, or -1.
 */
int timerq_check(const struct timerq *q)
{
	const struct timerq_node *n = q->root;
	const struct timerq_node *p;
	uint64_t pos = 1; /* level-order position of <n> */
	unsigned int seen = 0;

	if (q->count > INT_MAX)
		return -1;
	if (!n)
		return q->count == 0 ? 0 : -1;
	if (n->parent)
		return -1;

	for (;;) {
		/* Visit <n>, whose link from its parent is already checked. */
		if (++seen > q->count || pos > q->count || n->queued != 1)
			return -1;

		if (n->left) {
			if (timerq_check_child(n, n->left) < 0)
				return -1;
			n = n->left;
			pos = pos * 2;
			continue;
		}
		if (n->right)
			return -1; /* a right child without a left one */

		/* Go up until a right subtree is left to visit. */
		for (;;) {
			p = n->parent;
			if (!p)
				return seen == q->count ? (int)seen : -1;
			if (n == p->left && p->right) {
				if (timerq_check_child(p, p->right) < 0)
					return -1;
				n = p->right;
				pos = pos + 1;
				break;
			}
			n = p;
			pos = pos / 2;
		}
	}
}
