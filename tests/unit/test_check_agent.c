/*
 * Agent check reply parser: every word kind, the last of a category wins,
 * the first error kept, the description, every prefix of a reply placed
 * right before an unreadable page, weights and maxconns as HAProxy reads
 * them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/check_agent.h>

static const char *cur;

static int word_is(const struct agent_word *w, const char *s)
{
	return w->set && w->len == strlen(s) && !memcmp(cur + w->off, s, w->len);
}

static int parse(const char *s, struct agent_reply *r)
{
	cur = s;
	return agent_parse(s, strlen(s), 1, r);
}

static void test_words(void **state)
{
	struct agent_reply r;

	assert_int_equal(parse("75%,maxconn:30,maint,down\n", &r), 26);
	assert_int_equal(r.health, AGENT_H_DOWN);
	assert_int_equal(r.admin, AGENT_A_MAINT);
	assert_true(word_is(&r.weight, "75%"));
	assert_true(word_is(&r.maxconn, "30"));
	assert_true(word_is(&r.health_word, "down"));
	assert_false(r.error.set);
	assert_false(r.desc.set);

	assert_int_equal(parse("UP READY weight:12\r\nrest", &r), 19);
	assert_int_equal(r.health, AGENT_H_UP);
	assert_int_equal(r.admin, AGENT_A_READY);
	assert_true(word_is(&r.weight, "12"));
	assert_true(word_is(&r.health_word, "UP"));

	/* the last of a category wins, the first unknown word is kept */
	assert_int_equal(parse("drain\tbogus up 10% stopped other 20% ready\n", &r), 43);
	assert_int_equal(r.health, AGENT_H_STOPPED);
	assert_int_equal(r.admin, AGENT_A_READY);
	assert_true(word_is(&r.weight, "20%"));
	assert_true(word_is(&r.error, "bogus"));

	/* description after '#', blanks skipped; words after it ignored */
	assert_int_equal(parse("fail # disk full, maint\n", &r), 24);
	assert_int_equal(r.health, AGENT_H_FAIL);
	assert_int_equal(r.admin, AGENT_A_NONE);
	assert_true(word_is(&r.desc, "disk full, maint"));

	/* empty line, empty weight value */
	assert_int_equal(parse("\n", &r), 1);
	assert_int_equal(r.health, AGENT_H_NONE);
	assert_int_equal(parse("weight: maxconn:\n", &r), 17);
	assert_true(r.weight.set && r.weight.len == 0);
	assert_true(r.maxconn.set && r.maxconn.len == 0);
	(void)state;
}

static void test_incomplete(void **state)
{
	struct agent_reply r;

	cur = "up";
	assert_int_equal(agent_parse("up", 2, 0, &r), AGENT_MORE);
	assert_int_equal(agent_parse("up", 2, 1, &r), AGENT_INCOMPLETE);
	assert_int_equal(agent_parse("", 0, 0, &r), AGENT_MORE);
	assert_int_equal(agent_parse("", 0, 1, &r), AGENT_INCOMPLETE);
	/* a NUL before the line end: HAProxy's "incomplete line" */
	assert_int_equal(agent_parse("up\0down\n", 8, 0, &r), AGENT_INCOMPLETE);
	(void)state;
}

/* Every prefix of a reply, placed right before an unreadable page: MORE
 * until the line end, then the same result as the whole reply.
 */
static void test_prefixes_at_page_end(void **state)
{
	const char *reply = "75%,maxconn:30,maint,down # going away\nnext";
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = strlen(reply);
	char *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct agent_reply whole, r;
	int wlen;

	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, page, PROT_NONE), 0);
	cur = reply;
	wlen = agent_parse(reply, n, 0, &whole);
	assert_int_equal(wlen, 39);
	for (size_t k = 0; k <= n; k++) {
		char *p = map + page - k;

		memcpy(p, reply, k);
		cur = p;
		for (int last = 0; last < 2; last++) {
			int ret = agent_parse(p, k, last, &r);

			if (k < (size_t)wlen) {
				assert_int_equal(ret, last ? AGENT_INCOMPLETE : AGENT_MORE);
			} else {
				assert_int_equal(ret, wlen);
				assert_memory_equal(&r, &whole, sizeof(r));
			}
		}
	}
	munmap(map, 2 * page);
	(void)state;
}

static void test_weight(void **state)
{
	const char *why = NULL;
	unsigned int w = 999;

	assert_int_equal(agent_weight("75%", 3, 100, &w, &why), 0);
	assert_int_equal(w, 75);
	assert_int_equal(agent_weight("50%", 3, 7, &w, &why), 0);
	assert_int_equal(w, 3);
	assert_int_equal(agent_weight("1000%", 5, 100, &w, &why), 0);
	assert_int_equal(w, 256);
	assert_int_equal(agent_weight("99999999999%", 12, 256, &w, &why), 0);
	assert_int_equal(w, 256);
	assert_int_equal(agent_weight("12", 2, 100, &w, &why), 0);
	assert_int_equal(w, 12);
	assert_int_equal(agent_weight("0", 1, 100, &w, &why), 0);
	assert_int_equal(w, 0);
	assert_int_equal(agent_weight("", 0, 100, &w, &why), -EINVAL);
	assert_string_equal(why, "Require <weight> or <weight%>.");
	assert_int_equal(agent_weight("x", 1, 100, &w, &why), -EINVAL);
	assert_string_equal(why, "Empty weight string empty or preceded by garbage");
	assert_int_equal(agent_weight("-5%", 3, 100, &w, &why), -ERANGE);
	assert_string_equal(why, "Relative weight must be positive.");
	assert_int_equal(agent_weight("257", 3, 100, &w, &why), -ERANGE);
	assert_string_equal(why, "Absolute weight can only be between 0 and 256 inclusive.");
	assert_int_equal(agent_weight("75%x", 4, 100, &w, &why), -EINVAL);
	assert_string_equal(why, "Trailing garbage in weight string");
	(void)state;
}

static void test_maxconn(void **state)
{
	const char *why = NULL;
	unsigned int m = 999;

	assert_int_equal(agent_maxconn("30", 2, &m, &why), 0);
	assert_int_equal(m, 30);
	assert_int_equal(agent_maxconn("", 0, &m, &why), -EINVAL);
	assert_string_equal(why, "Require <maxconn>.");
	assert_int_equal(agent_maxconn("a", 1, &m, &why), -EINVAL);
	assert_string_equal(why, "maxconn string empty or preceded by garbage");
	assert_int_equal(agent_maxconn("3x", 2, &m, &why), -EINVAL);
	assert_string_equal(why, "Trailing garbage in maxconn string");
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_prefixes_at_page_end),
		cmocka_unit_test(test_weight),
		cmocka_unit_test(test_maxconn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
