/*
 * The RDP cookie of a Remote Desktop client's first bytes (an X.224
 * Connection Request whose user data starts "Cookie: <name>=<value>\r\n"
 * after the 11-byte TPKT and X.224 headers), as HAProxy's req.rdp_cookie,
 * `balance rdp-cookie` and `persist rdp-cookie` read it. Pure function
 * over (buffer, length): no allocation, never reads past <len>.
 */
#ifndef TOLLGATE_RDP_H
#define TOLLGATE_RDP_H

#include <stddef.h>

/* Finds the cookie <name> (<nlen> bytes, any case; 0: whichever comes)
 * in the <len> bytes at <p>: 1 with *<v>/<vlen> set to its value (up to
 * the CR LF), 0 if more bytes may bring it, -1 if these bytes carry no
 * such cookie.
 */
int rdp_cookie(const char *p, size_t len, const char *name, size_t nlen, const char **v, size_t *vlen);

#endif /* TOLLGATE_RDP_H */
