/*
 * Rings (ring.h): single-thread behaviour (order, wrapping, oldest
 * messages dropped, lapped readers, refused messages), and a stress test:
 * WRITERS threads write numbered, self-checking messages of varied length
 * into a small ring while a reader thread reads continuously. Every
 * message read must be intact (its bytes match its number) and each
 * writer's numbers must increase; a torn or overwritten copy would fail
 * here, and ThreadSanitizer (make VARIANT=tsan) reports any unguarded
 * access.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/ring.h>

#include "helpers/runtime.h"

#define WRITERS 4
#define PER_WRITER (20000 / STRESS_DIV)

static void test_order_and_wrap(void **state)
{
	struct ring r;
	char out[64];
	uint64_t pos, lost = 0;
	ssize_t n;

	assert_int_equal(ring_init(&r, 32), 0);
	pos = ring_head(&r);
	assert_int_equal(ring_read(&r, &pos, out, sizeof(out), NULL), 0);
	assert_int_equal(ring_write(&r, "h:", 2, "abc", 3), 0);   /* 9 bytes */
	assert_int_equal(ring_write(&r, "", 0, "defgh", 5), 0);   /* 18 */
	n = ring_read(&r, &pos, out, sizeof(out), &lost);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "h:abc", 5);
	/* a third and fourth message wrap and push the oldest out */
	assert_int_equal(ring_write(&r, "", 0, "0123456789", 10), 0); /* 32 */
	assert_int_equal(ring_write(&r, "", 0, "xy", 2), 0);  /* drops "h:abc" (already read) */
	n = ring_read(&r, &pos, out, sizeof(out), &lost);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "defgh", 5);
	assert_int_equal(lost, 0);
	/* a reader lapped restarts at the oldest one and is told */
	assert_int_equal(ring_write(&r, "", 0, "0123456789abcdef", 16), 0);
	n = ring_read(&r, &pos, out, sizeof(out), &lost);
	assert_true(lost > 0);
	assert_true(n == 2 || n == 16);
	/* too small a room: nothing moves */
	{
		uint64_t p = ring_head(&r), before = p;

		assert_int_equal(ring_read(&r, &p, out, 1, NULL), -1);
		assert_true(p == before);
	}
	/* a message larger than the ring is refused and counted */
	assert_int_equal(ring_write(&r, "", 0, "0123456789012345678901234567890123", 34), -1);
	assert_int_equal(atomic_load(&r.dropped), 1);
	ring_free(&r);
}

static struct ring sr;
static _Atomic int writers_done;

/* Message <seq> of writer <t>: "t:seq:" then a length and bytes derived
 * from both, so that a reader can check every byte.
 */
static size_t make_msg(char *buf, int t, unsigned int seq)
{
	size_t n = (size_t)snprintf(buf, 32, "%d:%u:", t, seq);
	size_t fill = (seq * 7u + (unsigned int)t * 13u) % 200;

	for (size_t i = 0; i < fill; i++)
		buf[n + i] = (char)('a' + (seq + i + (unsigned int)t) % 26);
	return n + fill;
}

static void *writer(void *arg)
{
	int t = (int)(intptr_t)arg;
	char buf[256];

	for (unsigned int seq = 0; seq < PER_WRITER; seq++) {
		size_t n = make_msg(buf, t, seq);

		/* split in header and body at a varying place */
		size_t cut = seq % (n + 1);

		ring_write(&sr, buf, cut, buf + cut, n - cut);
	}
	atomic_fetch_add(&writers_done, 1);
	return NULL;
}

struct reader_result {
	long read, bad;
	uint64_t lost;
};

static void *reader(void *arg)
{
	struct reader_result *res = arg;
	long last[WRITERS];
	char buf[4096], want[256];
	uint64_t pos = ring_head(&sr);

	for (int i = 0; i < WRITERS; i++)
		last[i] = -1;
	for (;;) {
		int done = atomic_load(&writers_done) == WRITERS;
		ssize_t n = ring_read(&sr, &pos, buf, sizeof(buf), &res->lost);
		int t;
		unsigned int seq;

		if (n == 0) {
			if (done)
				break;
			continue;
		}
		res->read++;
		if (n < 0 || sscanf(buf, "%d:%u:", &t, &seq) != 2 || t < 0 || t >= WRITERS ||
		    (long)seq <= last[t] || make_msg(want, t, seq) != (size_t)n || memcmp(want, buf, (size_t)n)) {
			res->bad++;
			continue;
		}
		last[t] = seq;
	}
	return NULL;
}

static void test_stress(void **state)
{
	pthread_t w[WRITERS], rd;
	struct reader_result res = { 0 };

	assert_int_equal(ring_init(&sr, 4096), 0);
	atomic_store(&writers_done, 0);
	assert_int_equal(pthread_create(&rd, NULL, reader, &res), 0);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&w[i], NULL, writer, (void *)(intptr_t)i), 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(w[i], NULL);
	pthread_join(rd, NULL);
	print_message("ring stress: %ld read, %ld bad, %llu bytes lost\n", res.read, res.bad,
	              (unsigned long long)res.lost);
	assert_int_equal(res.bad, 0);
	assert_true(res.read > 0);
	assert_int_equal(atomic_load(&sr.dropped), 0);
	ring_free(&sr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_wrap),
		cmocka_unit_test(test_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
