/* Test helper: inputs ending at an unreadable page. See fence.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "fence.h"

const unsigned char *test_fenced(const unsigned char *src, size_t len)
{
	static unsigned char *area;
	unsigned char *dst;

	if (!area) {
		size_t pg = (size_t)sysconf(_SC_PAGESIZE);
		void *m = mmap(NULL, TEST_FENCE_CAP + pg, PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		assert_true(m != MAP_FAILED);
		assert_int_equal(mprotect((unsigned char *)m + TEST_FENCE_CAP, pg, PROT_NONE), 0);
		area = m;
	}
	assert_true(len <= TEST_FENCE_CAP);
	dst = area + TEST_FENCE_CAP - len;
	if (len)
		memcpy(dst, src, len);
	return dst;
}
