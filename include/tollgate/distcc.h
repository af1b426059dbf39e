/*
 * distcc requests: a sequence of tokens, each a 4-letter name, 8 hex
 * digits of parameter, and for most tokens a body of <parameter> bytes
 * (not for ARGC, DIST, NFIL, STAT, DONE). For the distcc_param and
 * distcc_body fetches, with HAProxy's rules. Pure function over (buffer,
 * length): no allocation, never reads past <len>.
 */
#ifndef TOLLGATE_DISTCC_H
#define TOLLGATE_DISTCC_H

#include <stddef.h>
#include <stdint.h>

/* Finds occurrence <occ> (1 = first; 0 = the first) of token <tok> (its
 * four letters big-endian) in the <len> bytes at <p>: 1 with *<param>,
 * *<body> (offset of its body) and *<blen> (the body's length, which may
 * run past <len>) set; 0 if more bytes may bring it (a body before it
 * passing the end of the bytes included); -1 if it cannot be found (a
 * parameter that is not 8 hex digits).
 */
int distcc_find(const char *p, size_t len, uint32_t tok, unsigned int occ,
		uint32_t *param, size_t *body, size_t *blen);

#endif /* TOLLGATE_DISTCC_H */
