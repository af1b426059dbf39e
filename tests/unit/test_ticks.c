/*
 * Unit tests for the wrapping millisecond dates of ticks.h.
 *
 * Every comparison is tried on both sides of the 32-bit wrap, since the
 * process clock starts 20 seconds before it (see clock.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <tollgate/ticks.h>

/* Dates just before and just after the wrap, and far from it. */
#define BEFORE_WRAP 0xFFFFFFF0U
#define AFTER_WRAP  0x00000010U
#define MID         0x80000000U

static void test_isset(void **state)
{
	(void)state;
	assert_false(tick_isset(TICK_ETERNITY));
	assert_true(tick_isset(1));
	assert_true(tick_isset(0xFFFFFFFFU));
	assert_int_equal(MS_TO_TICKS(1500), 1500);
}

/* tick_add() never returns TICK_ETERNITY, in particular at the wrap. */
static void test_add_never_eternity(void **state)
{
	uint32_t now, ms;

	(void)state;
	assert_int_equal(tick_add(0xFFFFFFFFU, 1), 1);
	assert_int_equal(tick_add(0xFFFFFFFEU, 2), 1);
	assert_int_equal(tick_add(0xFFFFFFFEU, 1), 0xFFFFFFFFU);
	assert_int_equal(tick_add(0xFFFFFFFFU, 2), 1);
	assert_int_equal(tick_add(BEFORE_WRAP, 0x20), AFTER_WRAP);
	assert_int_equal(tick_add(1000, 500), 1500);
	assert_int_equal(tick_add(1, 0), 1);

	/* Every (now, ms) pair summing to 0 mod 2^32 around the wrap. */
	for (ms = 0; ms < 0x1000; ms++) {
		now = 0U - ms;
		assert_int_equal(tick_add(now, ms), 1);
		assert_true(tick_isset(tick_add(now, ms)));
		assert_true(tick_isset(tick_add(now - 1, ms)));
		assert_true(tick_isset(tick_add(now + 1, ms)));
	}
}

/* tick_add_ifset() maps a zero timeout to "never", and otherwise behaves
 * like tick_add(), wrap included.
 */
static void test_add_ifset(void **state)
{
	(void)state;
	assert_int_equal(tick_add_ifset(1234, 0), TICK_ETERNITY);
	assert_int_equal(tick_add_ifset(BEFORE_WRAP, 0), TICK_ETERNITY);
	assert_int_equal(tick_add_ifset(0xFFFFFFFFU, 1), 1);
	assert_int_equal(tick_add_ifset(BEFORE_WRAP, 0x20), AFTER_WRAP);
	assert_int_equal(tick_add_ifset(BEFORE_WRAP, 5), BEFORE_WRAP + 5);
	assert_int_equal(tick_add_ifset(1000, 500), 1500);
}

static void test_lt_le(void **state)
{
	(void)state;
	/* Away from the wrap. */
	assert_true(tick_is_lt(100, 200));
	assert_false(tick_is_lt(200, 100));
	assert_false(tick_is_lt(100, 100));
	assert_true(tick_is_le(100, 200));
	assert_true(tick_is_le(100, 100));
	assert_false(tick_is_le(200, 100));

	/* Across the wrap: BEFORE_WRAP comes first although it is larger. */
	assert_true(tick_is_lt(BEFORE_WRAP, AFTER_WRAP));
	assert_false(tick_is_lt(AFTER_WRAP, BEFORE_WRAP));
	assert_true(tick_is_le(BEFORE_WRAP, AFTER_WRAP));
	assert_false(tick_is_le(AFTER_WRAP, BEFORE_WRAP));
	assert_true(tick_is_lt(0xFFFFFFFFU, 1));
	assert_false(tick_is_lt(1, 0xFFFFFFFFU));
	assert_true(tick_is_le(BEFORE_WRAP, BEFORE_WRAP));
	assert_false(tick_is_lt(AFTER_WRAP, AFTER_WRAP));

	/* Across the middle of the range, which is not special. */
	assert_true(tick_is_lt(MID - 1, MID));
	assert_true(tick_is_lt(MID, MID + 1));
	assert_false(tick_is_lt(MID + 1, MID - 1));

	/* Just under half the range apart still compares right both ways. */
	assert_true(tick_is_lt(BEFORE_WRAP, BEFORE_WRAP + 0x7FFFFFFFU));
	assert_false(tick_is_lt(BEFORE_WRAP + 0x7FFFFFFFU, BEFORE_WRAP));
}

static void test_is_expired(void **state)
{
	(void)state;
	/* Never expires when not set, whatever the date. */
	assert_false(tick_is_expired(TICK_ETERNITY, 0));
	assert_false(tick_is_expired(TICK_ETERNITY, BEFORE_WRAP));
	assert_false(tick_is_expired(TICK_ETERNITY, AFTER_WRAP));

	assert_false(tick_is_expired(200, 199));
	assert_true(tick_is_expired(200, 200));
	assert_true(tick_is_expired(200, 201));

	/* Set before the wrap, checked after it: expired. */
	assert_true(tick_is_expired(BEFORE_WRAP, AFTER_WRAP));
	assert_true(tick_is_expired(0xFFFFFFFFU, 1));
	/* Set after the wrap, checked before it: not yet. */
	assert_false(tick_is_expired(AFTER_WRAP, BEFORE_WRAP));
	assert_false(tick_is_expired(1, 0xFFFFFFFFU));
	/* A timeout of 1 ms added at the last tick before the wrap. */
	assert_false(tick_is_expired(tick_add(0xFFFFFFFFU, 1), 0xFFFFFFFFU));
	assert_true(tick_is_expired(tick_add(0xFFFFFFFFU, 1), 1));
	/* ...and checked at exactly the wrap (now == 0): 1 is not reached. */
	assert_false(tick_is_expired(1, 0));
}

static void test_first(void **state)
{
	(void)state;
	/* Unset values count as "never". */
	assert_int_equal(tick_first(TICK_ETERNITY, TICK_ETERNITY), TICK_ETERNITY);
	assert_int_equal(tick_first(TICK_ETERNITY, 5), 5);
	assert_int_equal(tick_first(5, TICK_ETERNITY), 5);
	assert_int_equal(tick_first(TICK_ETERNITY, BEFORE_WRAP), BEFORE_WRAP);
	assert_int_equal(tick_first(AFTER_WRAP, TICK_ETERNITY), AFTER_WRAP);

	assert_int_equal(tick_first(100, 200), 100);
	assert_int_equal(tick_first(200, 100), 100);
	assert_int_equal(tick_first(100, 100), 100);

	/* Across the wrap, in both argument orders. */
	assert_int_equal(tick_first(BEFORE_WRAP, AFTER_WRAP), BEFORE_WRAP);
	assert_int_equal(tick_first(AFTER_WRAP, BEFORE_WRAP), BEFORE_WRAP);
	assert_int_equal(tick_first(0xFFFFFFFFU, 1), 0xFFFFFFFFU);
	assert_int_equal(tick_first(1, 0xFFFFFFFFU), 0xFFFFFFFFU);
}

static void test_remain(void **state)
{
	(void)state;
	assert_int_equal(tick_remain(100, TICK_ETERNITY), UINT32_MAX);
	assert_int_equal(tick_remain(BEFORE_WRAP, TICK_ETERNITY), UINT32_MAX);

	assert_int_equal(tick_remain(100, 150), 50);
	assert_int_equal(tick_remain(150, 150), 0);
	assert_int_equal(tick_remain(151, 150), 0);

	/* Date after the wrap seen from before it: time is left. */
	assert_int_equal(tick_remain(BEFORE_WRAP, AFTER_WRAP), 0x20);
	assert_int_equal(tick_remain(0xFFFFFFFFU, 1), 2);
	assert_int_equal(tick_remain(0xFFFFFFFFU, tick_add(0xFFFFFFFFU, 1)), 2);
	/* Date before the wrap seen from after it: expired. */
	assert_int_equal(tick_remain(AFTER_WRAP, BEFORE_WRAP), 0);
	assert_int_equal(tick_remain(1, 0xFFFFFFFFU), 0);
	/* Both on the same side, just before the wrap. */
	assert_int_equal(tick_remain(BEFORE_WRAP, BEFORE_WRAP + 5), 5);
	assert_int_equal(tick_remain(BEFORE_WRAP + 5, BEFORE_WRAP), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isset),
		cmocka_unit_test(test_add_never_eternity),
		cmocka_unit_test(test_add_ifset),
		cmocka_unit_test(test_lt_le),
		cmocka_unit_test(test_is_expired),
		cmocka_unit_test(test_first),
		cmocka_unit_test(test_remain),
	};

	return cmocka_run_group_tests_name("ticks", tests, NULL, NULL);
}
