/*
 * Thread isolation. See isolate.h for the contract.
 *
 * Three shared words:
 *  - rdv_requests: requesters pending or running; workers park while it is
 *    non-zero;
 *  - harmless_mask: workers that are parked, sleeping in epoll_wait(), not
 *    yet started or exited;
 *  - isolated: 1 while a requester runs alone; requesters take it in turn.
 *
 * A requester raises rdv_requests, then waits until every worker is
 * harmless and wins `isolated`. A worker leaving the harmless state clears
 * its bit, then re-reads rdv_requests and parks again if it is set. With
 * sequentially consistent operations on both words, a requester that saw a
 * worker's bit set is ordered before that worker's clear, so the worker sees
 * the request and goes back to harmless without having run anything.
 */
#include <sched.h>
#include <stdatomic.h>

#include <tollgate/isolate.h>
#include <tollgate/thread.h>

static _Atomic unsigned long harmless_mask; /* workers parked, asleep or not running */
static atomic_int rdv_requests;              /* requesters pending or isolated */
static atomic_int isolated;                  /* 1 while a requester runs alone */
static __thread int self_isolated;           /* the calling thread holds isolation */

void isolate_init(void)
{
	atomic_store(&harmless_mask, all_threads_mask);
	atomic_store(&rdv_requests, 0);
	atomic_store(&isolated, 0);
}

int isolate_requested(void)
{
	return atomic_load_explicit(&rdv_requests, memory_order_relaxed) != 0;
}

void thread_harmless_begin(void)
{
	atomic_fetch_or_explicit(&harmless_mask, tid_bit, memory_order_seq_cst);
}

void thread_harmless_end(void)
{
	for (;;) {
		atomic_fetch_and_explicit(&harmless_mask, ~tid_bit, memory_order_seq_cst);
		if (!atomic_load_explicit(&rdv_requests, memory_order_seq_cst))
			return;
		atomic_fetch_or_explicit(&harmless_mask, tid_bit, memory_order_seq_cst);
		atomic_fetch_add_explicit(&thread_stats(tid)->isolations, 1, memory_order_relaxed);
		while (atomic_load_explicit(&rdv_requests, memory_order_seq_cst))
			sched_yield();
	}
}

void thread_safe_point(void)
{
	if (!isolate_requested())
		return;
	thread_harmless_begin();
	thread_harmless_end();
}

void thread_isolate(void)
{
	int expected;

	atomic_fetch_add_explicit(&rdv_requests, 1, memory_order_seq_cst);
	if (tid >= 0)
		thread_harmless_begin();
	for (;;) {
		unsigned long all = all_threads_mask;

		if ((atomic_load_explicit(&harmless_mask, memory_order_seq_cst) & all) == all) {
			expected = 0;
			if (atomic_compare_exchange_strong_explicit(&isolated, &expected, 1,
			                                            memory_order_seq_cst,
			                                            memory_order_relaxed))
				break;
		}
		sched_yield();
	}
	/* we run now: not harmless, but others wait on `isolated` anyway */
	if (tid >= 0)
		atomic_fetch_and_explicit(&harmless_mask, ~tid_bit, memory_order_seq_cst);
	self_isolated = 1;
}

void thread_release(void)
{
	self_isolated = 0;
	atomic_store_explicit(&isolated, 0, memory_order_seq_cst);
	atomic_fetch_sub_explicit(&rdv_requests, 1, memory_order_seq_cst);
}

int thread_isolated(void)
{
	return self_isolated;
}
