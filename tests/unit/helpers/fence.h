/*
 * Test helper for parsers of untrusted bytes: inputs placed right before
 * an unreadable page, so that a read past their length faults.
 */
#ifndef TOLLGATE_TEST_FENCE_H
#define TOLLGATE_TEST_FENCE_H

#include <stddef.h>

#define TEST_FENCE_CAP  (128 * 1024)   /* readable bytes before the fence */

/* Copies <len> bytes of <src> (at most TEST_FENCE_CAP) so that they end
 * where an unreadable page starts, and returns where they start. The area
 * is mapped once, on first use, and left to the process exit; each call
 * reuses it. test_fenced(NULL, 0) is the fence itself.
 */
const unsigned char *test_fenced(const unsigned char *src, size_t len);

#endif /* TOLLGATE_TEST_FENCE_H */
