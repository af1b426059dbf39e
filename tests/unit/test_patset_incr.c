/*
 * Incremental changes of pattern sets (patset_append, patset_remove,
 * patset_pop): after every random change, each lookup of the changed set
 * must give the answer of a set built afresh from its live patterns, for
 * the indexed methods (str, with and without -i; ip, prefixes and odd
 * masks, v4 and v6) and a scanned one (beg), duplicates included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/patset.h>
#include <tollgate/sample.h>

#define MAXP 400

struct model {
	char text[MAXP][48];                   /* pattern of each position */
	unsigned int pflags[MAXP];
	int live[MAXP];
	size_t nb;
};

static unsigned int seed = 12345;

static unsigned int rnd(void)
{
	seed = seed * 1103515245U + 12345U;
	return seed >> 8;
}

/* Returns a random pattern of <match>: few distinct ones, so that
 * duplicates are frequent.
 */
static void rand_pattern(int match, char *out, size_t room)
{
	unsigned int r = rnd();

	if (match == PAT_MATCH_IP) {
		switch (r % 5) {
		case 0: snprintf(out, room, "10.%u.%u.%u", r % 3, (r >> 3) % 3, (r >> 5) % 4); break;
		case 1: snprintf(out, room, "10.%u.0.0/16", r % 4); break;
		case 2: snprintf(out, room, "10.%u.%u.0/255.0.255.0", r % 3, (r >> 4) % 3); break;
		case 3: snprintf(out, room, "2001:db8::%x", r % 6); break;
		default: snprintf(out, room, "2001:db8:%x::/48", r % 3); break;
		}
	} else {
		snprintf(out, room, "%c%c%u", "aAbB"[r % 4], "xy"[(r >> 2) % 2], (r >> 3) % 5);
	}
}

/* Returns the answer of a set built from the live patterns of <mo>, as a
 * position of <mo> (-1: none).
 */
static long fresh_lookup(int match, const struct model *mo, const char *in)
{
	struct patset *s = patset_new(match, 0);
	size_t map[MAXP], n = 0;
	struct sample smp;
	long r;

	assert_non_null(s);
	for (size_t i = 0; i < mo->nb; i++) {
		if (!mo->live[i])
			continue;
		assert_int_equal(patset_add(s, mo->text[i], mo->pflags[i], PAT_OP_EQ, NULL), 0);
		map[n++] = i;
	}
	assert_int_equal(patset_build(s), 0);
	sample_set_str(&smp, in, strlen(in));
	r = patset_lookup(s, &smp);
	patset_free(s);
	return r < 0 ? -1 : (long)map[r];
}

static void run_method(int match)
{
	struct model mo = { .nb = 0 };
	struct patset *s = patset_new(match, 0);
	char in[48];

	assert_non_null(s);
	assert_int_equal(patset_build(s), 0);
	for (int step = 0; step < 1500; step++) {
		unsigned int r = rnd() % 10;

		if ((r < 6 || mo.nb == 0) && mo.nb < MAXP) {
			rand_pattern(match, mo.text[mo.nb], sizeof(mo.text[0]));
			mo.pflags[mo.nb] = match == PAT_MATCH_STR && rnd() % 3 == 0 ? PAT_F_ICASE : 0;
			assert_int_equal(patset_append(s, mo.text[mo.nb], mo.pflags[mo.nb], PAT_OP_EQ, NULL), 0);
			mo.live[mo.nb++] = 1;
		} else if (r < 9) {
			size_t p = rnd() % mo.nb;

			patset_remove(s, p);
			mo.live[p] = 0;
		} else if (mo.live[mo.nb - 1]) {
			patset_pop(s);
			mo.nb--;
		}
		for (int q = 0; q < 6; q++) {
			struct sample smp;
			long got;

			rand_pattern(match, in, sizeof(in));
			if (match == PAT_MATCH_IP)   /* an address, not a network */
				in[strcspn(in, "/")] = '\0';
			else if (q & 1)
				in[0] = (char)(in[0] ^ 0x20);   /* the other case */
			sample_set_str(&smp, in, strlen(in));
			got = patset_lookup(s, &smp);
			assert_int_equal(got, fresh_lookup(match, &mo, in));
		}
	}
	patset_free(s);
}

static void test_str(void **state)
{
	(void)state;
	run_method(PAT_MATCH_STR);
}

static void test_ip(void **state)
{
	(void)state;
	run_method(PAT_MATCH_IP);
}

static void test_beg(void **state)
{
	(void)state;
	run_method(PAT_MATCH_BEG);
}

static void test_check_refuses(void **state)
{
	struct patset *s = patset_new(PAT_MATCH_IP, 0);
	char *err = NULL;

	(void)state;
	assert_int_equal(patset_build(s), 0);
	assert_true(patset_check(s, "not-an-ip", 0, PAT_OP_EQ, &err) < 0);
	assert_non_null(err);
	free(err);
	err = NULL;
	assert_true(patset_append(s, "nope", 0, PAT_OP_EQ, &err) < 0);
	free(err);
	assert_int_equal(patset_count(s), 0);
	patset_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_beg),
		cmocka_unit_test(test_check_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
