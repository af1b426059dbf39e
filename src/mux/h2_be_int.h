/*
 * HTTP/2 to servers, internals shared by h2_be.c (the connection, its
 * streams, the response) and h2_be_req.c (the request: HTTP/1.1 bytes to
 * HTTP/2). Not a public interface: see mux_h2_be.h. A connection and its
 * streams belong to one thread.
 */
#ifndef TOLLGATE_H2_BE_INT_H
#define TOLLGATE_H2_BE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nghttp2/nghttp2.h>

#include <tollgate/addr.h>
#include <tollgate/buffer.h>
#include <tollgate/h1.h>
#include <tollgate/list.h>
#include <tollgate/stream-t.h>

#define H2BE_OUT_SIZE   16384U          /* framed bytes waiting for the socket */
#define H2BE_IN_SIZE    16384U          /* one socket read */
#define H2BE_BODY_SIZE  65536U          /* request body taken, not framed yet */
#define H2BE_HEAD_MAX   65536U          /* a request head (tune.bufsize bounds it first) */
#define H2BE_HDRS_MAX   256U            /* its fields */
#define H2BE_WINDOW     (256U * 1024U)  /* the stream window we offer the server (default) */
#define H2BE_CONN_WINDOW (1024U * 1024U) /* the connection window */
#define H2BE_HDR_LIST   65536U          /* SETTINGS_MAX_HEADER_LIST_SIZE */
#define H2BE_STAGE_MAX  (H2BE_WINDOW + 2U * H2BE_HDR_LIST + 65536U) /* staged response bytes */
#define H2BE_READS      16              /* socket reads per wake-up at most (level-triggered) */
#define H2BE_REPLAY_MAX 16384U          /* a request kept for a retry (tune.bufsize) */
#define H2BE_MAX_STREAMS 100U           /* tune.h2.be.max-concurrent-streams' default, HAProxy's */

/* connection flags (struct h2bc) */
#define H2F_H2        0x0001U   /* HTTP/2 spoken (else a pass-through to the inner transport) */
#define H2F_HS_INNER  0x0002U   /* the inner handshake is done */
#define H2F_HS_DONE   0x0004U   /* ours too */
#define H2F_GOAWAY    0x0008U   /* the server sent GOAWAY (or no stream may open): no new stream */
#define H2F_ERROR     0x0010U   /* connection failed: every call fails */
#define H2F_EOF       0x0020U   /* the socket reached its end */
#define H2F_SHUTW     0x0100U   /* shut (GOAWAY sent) */
#define H2F_SETTINGS  0x0200U   /* the server's SETTINGS came */
#define H2F_WINOPEN   0x0800U   /* the connection window was opened (first DATA) */
#define H2F_SET_ACKED 0x1000U   /* the server acknowledged our SETTINGS */
#define H2F_SHARED    0x2000U   /* owns its socket (h2bc_iocb): streams are attached to it */
#define H2F_WAKE_TX   0x4000U   /* a window opened: wake the streams held back */
#define H2F_WOKE_ALL  0x8000U   /* its streams were woken for its end */
#define H2F_SET_BOTH  (H2F_SETTINGS | H2F_SET_ACKED)

/* stream flags (struct h2be) */
#define H2F_TX_BLOCK  0x0080U   /* send() refused bytes for want of body room */
#define H2F_WAIT_SET  0x0400U   /* an upgrade waits for the SETTINGS (RFC 8441) */
#define H2S_WAKE      0x0001U   /* frames came for it: wake its task */

enum h2be_rq {
	RQ_IDLE = 0,   /* no request being taken */
	RQ_HEAD,       /* its head, into <head> */
	RQ_BODY_CL,    /* a Content-Length body */
	RQ_BODY_CHK,   /* a chunked body */
	RQ_TUNNEL,     /* a CONNECT, extended or not: bytes as DATA until shutw() */
	RQ_DONE,       /* all of it taken */
};

enum h2be_rs {
	RS_NONE = 0,   /* no stream */
	RS_HEAD,       /* the final response head is awaited */
	RS_BODY,       /* head staged, body (or trailers) coming */
	RS_DONE,       /* complete */
	RS_ERROR,      /* reset, refused, or the connection failed */
};


/* A growing byte queue (the response staged for the engine). */
struct sq {
	char *p;       /* storage, NULL until used */
	size_t head;   /* first byte */
	size_t len;    /* bytes queued */
	size_t cap;    /* storage size */
};

/* An HTTP/2 connection to a server. While its first stream connects it is
 * that stream's transport (xprt_h2be, the stream's fd); once HTTP/2 is
 * chosen it takes the socket (h2bc_iocb) and the streams attach to it
 * (struct h2be, xprt_h2bs, sides without a socket). It belongs to the
 * thread that connected it, as its fd: only that thread lists, reads or
 * frees it.
 */
struct h2bc {
	struct side side;              /* its socket (fd -1 until shared) and the transport under HTTP/2 */
	nghttp2_session *ses;          /* once HTTP/2 is chosen */
	int mode;                      /* H2BE_PRIOR / H2BE_ALPN */
	unsigned int flags;            /* H2F_* */
	struct buffer out;             /* framed bytes for the socket */
	struct buffer in;              /* one socket read */
	const void *key;               /* the server, for h2be_take() */
	struct addr dst;               /* the address connected to */
	int max_reuse;                 /* streams after the first one in its life, -1: no limit */
	int listed;                    /* in h2bc_avail[tid] (h2be_take() may find it) */
	struct list link;              /* there */
	struct list streams;           /* its struct h2be */
	unsigned int nstreams;         /* attached */
	unsigned int opened;           /* streams submitted in its life */
};

/* One stream: the per-request half of a server side (xprt_h2bs). */
struct h2be {
	struct h2bc *c;                /* its connection, NULL once it failed and was freed */
	struct side *sd;               /* the stream's server side, woken as a poller would */
	struct task *task;             /* the stream's task */
	struct list link;              /* in c->streams */
	unsigned int sflags;           /* H2F_TX_BLOCK, H2F_WAIT_SET, H2S_WAKE */
	uint32_t sub;                  /* FD_EV_* the engine waits for */
	int shut;                      /* shutw() done: no more request */
	/* the request being taken */
	int32_t sid;                   /* its stream, 0: none yet */
	int sclosed;                   /* that stream is closed: the rest of the body is dropped */
	enum h2be_rq rq;               /* progress */
	enum h1_meth meth;             /* its method */
	char *head;                    /* its head, copied (H2BE_HEAD_MAX) */
	size_t head_len;               /* bytes in <head> */
	struct h1_msg msg;             /* its parse */
	struct h1_hdr *hdrs;           /* fields (H2BE_HDRS_MAX) */
	uint64_t body_left;            /* Content-Length bytes not taken */
	struct h1_chunk ck;            /* chunked body parse */
	char *trl;                     /* request chunk trailer section, or NULL */
	size_t trl_len;                /* its bytes */
	struct buffer body;            /* body taken, not framed */
	int body_end;                  /* the whole body is in <body> */
	const char *proto;             /* extended CONNECT: :protocol (in <head>), else NULL */
	uint32_t proto_len;            /* its length */
	int connect;                   /* a plain CONNECT (RFC 9113 8.5): a tunnel after a 2xx */
	/* the response */
	enum h2be_rs rs;               /* progress */
	int status;                    /* final status, 0 before */
	int has_cl;                    /* the final head has content-length */
	int chunked;                   /* the body goes chunked to the engine */
	struct sq stage;               /* HTTP/1.1 bytes for the engine */
	struct sq rtrl;                /* response trailer fields */
	size_t unconsumed;             /* DATA bytes staged, window not yet given back */
	/* a refused request goes again on a new connection (h2be_refused()) */
	struct sq replay;              /* its HTTP/1.1 bytes taken so far */
	int replay_ok;                 /* all of them are in <replay> (not past its cap) */
	int res_begun;                 /* a response frame came for the stream */
	int refused;                   /* REFUSED_STREAM, or a GOAWAY below it, before any */
	int rst_rcvd;                  /* the server reset the stream (bs.aborted) */
	uint32_t rst_code;             /* with this code (bs.rst_code) */
};

/* ---- byte queue (h2_be_req.c) ---- */

/* Appends <len> bytes to <q>, growing it up to H2BE_STAGE_MAX. 0, or -1
 * past it or without memory.
 */
int sq_add(struct sq *q, const void *src, size_t len);
int sq_str(struct sq *q, const char *s);
void sq_del(struct sq *q, size_t n);
void sq_free(struct sq *q);

/* ---- the request (h2_be_req.c) ---- */

/* Starts taking a new request: forgets the former one (its stream, if
 * still open, is reset with CANCEL).
 */
void req_reset(struct h2be *h);

/* Takes request bytes of <b> from offset <ofs>, at most <max>. Returns the
 * bytes taken, or -1 when the request cannot go.
 */
ssize_t req_take(struct h2be *h, struct buffer *b, size_t ofs, size_t max);

#endif /* TOLLGATE_H2_BE_INT_H */
