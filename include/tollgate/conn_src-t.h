/*
 * Source addresses of connections to servers (`source ... usesrc ...`):
 * types only. See conn_src.h.
 */
#ifndef TOLLGATE_CONN_SRC_T_H
#define TOLLGATE_CONN_SRC_T_H

#include <tollgate/addr.h>

#define CONN_SRC_HDR_MAX 63           /* longest hdr_ip() header name */

enum conn_src_use {
	CONN_SRC_USE_NONE = 0,        /* no usesrc: bind to <addr> (if set) */
	CONN_SRC_USE_ADDR,            /* usesrc <addr2>[:<port2>] */
	CONN_SRC_USE_CLIENT,          /* usesrc client: the client's address and port */
	CONN_SRC_USE_CLIENTIP,        /* usesrc clientip: the client's address */
	CONN_SRC_USE_HDR_IP,          /* usesrc hdr_ip(<hdr>[,<occ>]) */
};

struct conn_src {
	struct addr addr;             /* `source <addr>[:<port>]`; kind ADDR_NONE: unset */
	enum conn_src_use use;        /* `usesrc` */
	struct addr use_addr;         /* CONN_SRC_USE_ADDR: the address */
	char hdr[CONN_SRC_HDR_MAX + 1]; /* CONN_SRC_USE_HDR_IP: the header's name */
	int hdr_occ;                  /* CONN_SRC_USE_HDR_IP: occurrence, <0 from the last, 0 none */
};

#endif
