/*
 * Intrusive circular doubly linked lists.
 *
 * A list head and its elements are the same `struct list`; an empty list
 * points to itself. No locking: the owner of the list protects it. All
 * operations are O(1) except the iteration helpers.
 */
#ifndef TOLLGATE_LIST_H
#define TOLLGATE_LIST_H

#include <tollgate/compiler.h>

struct list {
	struct list *next;    /* next element, or the head */
	struct list *prev;    /* previous element, or the head */
};

#define LIST_HEAD_INIT(l) { &(l), &(l) }

static inline void list_init(struct list *l)
{
	l->next = l->prev = l;
}

static inline int list_empty(const struct list *l)
{
	return l->next == l;
}

/* Returns 1 if <el> is linked in a list (it must have been list_init()'d or
 * removed with list_del_init()).
 */
static inline int list_inlist(const struct list *el)
{
	return el->next != el;
}

/* Inserts <el> right after <head> (at the front). */
static inline void list_insert(struct list *head, struct list *el)
{
	el->next = head->next;
	el->prev = head;
	head->next->prev = el;
	head->next = el;
}

/* Appends <el> before <head> (at the tail). */
static inline void list_append(struct list *head, struct list *el)
{
	el->prev = head->prev;
	el->next = head;
	head->prev->next = el;
	head->prev = el;
}

/* Unlinks <el> and makes it an empty list again. */
static inline void list_del_init(struct list *el)
{
	el->next->prev = el->prev;
	el->prev->next = el->next;
	el->next = el->prev = el;
}

#define list_elem(ptr, type, member) container_of(ptr, type, member)

/* Iterates <item> (a plain identifier: a pointer to the element type) over
 * <head>. The loop body must not remove <item>; use list_for_each_safe()
 * for that. The cursor is a `struct list *` named after <item>, so that no
 * element pointer is ever formed from the head itself (UBSan rightly flags
 * that when the element type is more aligned than struct list).
 */
#define list_for_each(item, head, member)                                          \
	for (struct list *item##_cur_ = (head)->next;                               \
	     item##_cur_ != (head) &&                                               \
	     ((item) = list_elem(item##_cur_, __typeof__(*item), member), 1);       \
	     item##_cur_ = item##_cur_->next)

/* Same as list_for_each(), but the body may remove <item>. <back> is set to
 * the next element, or NULL on the last one.
 */
#define list_for_each_safe(item, back, head, member)                               \
	for (struct list *item##_cur_ = (head)->next, *item##_nxt_ = item##_cur_->next; \
	     item##_cur_ != (head) &&                                               \
	     ((item) = list_elem(item##_cur_, __typeof__(*item), member),           \
	      (back) = item##_nxt_ != (head) ?                                      \
	               list_elem(item##_nxt_, __typeof__(*item), member) : NULL,    \
	      (void)(back), 1);                                                     \
	     item##_cur_ = item##_nxt_, item##_nxt_ = item##_cur_->next)

#endif /* TOLLGATE_LIST_H */
