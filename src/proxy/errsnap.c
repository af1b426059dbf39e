/*
 * Error snapshots (include/tollgate/errsnap.h): the last invalid request
 * and response of each proxy, for `show errors`.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/errsnap.h>
#include <tollgate/h1.h>
#include <tollgate/isolate.h>
#include <tollgate/proxy.h>
#include <tollgate/server-t.h>

static _Atomic unsigned int errsnap_events;   /* events captured so far */

/* HAProxy's H1 parser states (its h1.h), as `show errors` names them. */
static const struct { int num; const char *name; } h1_states[] = {
	{ 2, "MSG_RQMETH" }, { 4, "MSG_RQURI" }, { 6, "MSG_RQVER" }, { 10, "MSG_RPVER" },
	{ 12, "MSG_RPCODE" }, { 17, "MSG_HDR_NAME" }, { 22, "MSG_HDR_VAL" },
	{ 24, "MSG_HDR_L2_LWS" }, { 25, "MSG_LAST_LF" },
};

/* Returns the index in h1_states[] of the state HAProxy's parser would be
 * in when failing with <err> in direction <dir>.
 */
static int err_state(int err, int dir)
{
	switch (err) {
	case H1_ERR_METHOD:         return 0;
	case H1_ERR_TARGET:         return 1;
	case H1_ERR_VERSION:
	case H1_ERR_VERSION_UNSUPP: return dir == ERRSNAP_REQ ? 2 : 3;
	case H1_ERR_STATUS:         return 4;
	case H1_ERR_HDR_NAME:       return 5;
	case H1_ERR_HDR_VALUE:      return 6;
	case H1_ERR_OBS_FOLD:       return 7;
	default:                    return 8;
	}
}

/* Returns the offset of the error in <buf> (<len> bytes): in the line
 * starting at <sol> where the parser stopped, the first byte a message
 * cannot hold there (a control character; in a field name, a byte that is
 * not a token character), else the start of that line.
 */
static unsigned int err_position(const unsigned char *buf, size_t len, size_t sol, int err)
{
	size_t p;

	if (sol >= len)
		return (unsigned int)len;
	for (p = sol; p < len && buf[p] != '\n'; p++) {
		unsigned char c = buf[p];

		if (err == H1_ERR_HDR_NAME) {
			if (!(h1_ctab[c] & H1_C_TCHAR))
				return (unsigned int)p;
			continue;
		}
		if ((c < 0x20 && c != '\t' && !(c == '\r' && p + 1 < len && buf[p + 1] == '\n')) || c == 0x7f)
			return (unsigned int)p;
	}
	if (err == H1_ERR_BARE_LF && p < len)
		return (unsigned int)p;
	return (unsigned int)sol;
}

void errsnap_capture(struct proxy *px, int dir, const struct proxy *oe, const struct server *srv,
		     const struct addr *src, const char *buf, size_t len, size_t bufsize,
		     const struct h1_msg *msg, int err)
{
	struct err_snap *e, *old;
	struct timespec ts;
	int st = err_state(err, dir);

	if (len > bufsize)
		len = bufsize;
	e = malloc(sizeof(*e) + len);
	if (!e)
		return;   /* the error is counted and logged anyway */
	memset(e, 0, sizeof(*e));
	clock_gettime(CLOCK_REALTIME, &ts);
	e->sec = ts.tv_sec;
	e->ms = (int)(ts.tv_nsec / 1000000);
	e->event = atomic_fetch_add_explicit(&errsnap_events, 1, memory_order_relaxed);
	e->dir = dir;
	e->uuid = px->uuid;
	snprintf(e->px, sizeof(e->px), "%s", px->id);
	e->oe_uuid = oe ? oe->uuid : -1;
	if (oe)
		snprintf(e->oe, sizeof(e->oe), "%s", oe->id);
	e->srv_puid = srv ? srv->puid : -1;
	if (srv)
		snprintf(e->srv, sizeof(e->srv), "%s", srv->id);
	if (src)
		e->src = *src;
	e->bufsize = (unsigned int)bufsize;
	e->pos = err_position((const unsigned char *)buf, len, msg ? msg->pos : 0, err);
	e->state = h1_states[st].num;
	e->state_name = h1_states[st].name;
	e->len = len;
	memcpy(e->data, buf, len);
	old = atomic_exchange_explicit(&px->errsnap[dir], e, memory_order_acq_rel);
	free(old);   /* readers copy under isolation: never while we run */
}

unsigned int errsnap_total(void)
{
	return atomic_load_explicit(&errsnap_events, memory_order_relaxed);
}

struct err_snap *errsnap_copy(int *oom)
{
	struct err_snap *head = NULL, **tail = &head;

	*oom = 0;
	thread_isolate();
	for (struct proxy *px = proxies_list; px; px = px->next) {
		for (int dir = 0; dir < 2; dir++) {
			const struct err_snap *e = atomic_load_explicit(&px->errsnap[dir], memory_order_acquire);
			struct err_snap *c;

			if (!e)
				continue;
			c = malloc(sizeof(*c) + e->len);
			if (!c) {
				*oom = 1;
				continue;
			}
			memcpy(c, e, sizeof(*c) + e->len);
			c->next = NULL;
			*tail = c;
			tail = &c->next;
		}
	}
	thread_release();
	return head;
}

void errsnap_free(struct proxy *px)
{
	for (int dir = 0; dir < 2; dir++)
		free(atomic_exchange(&px->errsnap[dir], NULL));
}
