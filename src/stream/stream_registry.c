/*
 * The registry of live streams, for the admin socket: `show sess` (short
 * and long forms) and `shutdown session`. Every walk isolates the threads,
 * so the owners of the streams are parked while their fields are read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <tollgate/addr.h>
#include <tollgate/clock.h>
#include <tollgate/http_txn.h>
#include <tollgate/isolate.h>
#include <tollgate/list.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/stream-t.h>
#include <tollgate/stream.h>
#include <tollgate/task.h>
#include <tollgate/ticks.h>

#include "stream_int.h"

/* ---- Registry, for the admin socket ---- */

/* A delay from now to the tick <exp> for stream_detail, STRM_NEVER if unset. */
static int32_t detail_delay(uint32_t exp)
{
	return tick_isset(exp) ? (int32_t)(exp - now_ms) : STRM_NEVER;
}

/* Sets <a> to the local address of socket <fd>, or kind ADDR_NONE. */
static void detail_sockname(int fd, struct addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	a->kind = ADDR_NONE;
	if (fd >= 0 && getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		addr_from_sa(a, (struct sockaddr *)&ss, len);
}

/* Fills <d> with the long form of <s> (owner parked by the isolation). */
static void detail_fill(struct stream *s, struct stream_detail *d)
{
	memset(d, 0, sizeof(*d));
	if (!s->accept_sec) {
		/* not logging: the accept date is derived once, then kept */
		struct timespec ts;
		int64_t ms;

		clock_gettime(CLOCK_REALTIME, &ts);
		ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - (int32_t)(now_ms - s->t_accept);
		s->accept_sec = ms / 1000;
		s->accept_ms = (uint32_t)(ms % 1000);
	}
	d->accept_sec = s->accept_sec;
	d->accept_ms = s->accept_ms;
	d->uniq_id = s->uniq_id;
	d->fe_uuid = s->fe->uuid;
	d->fe_http = s->fe->mode == PR_MODE_HTTP;
	d->be_uuid = s->be ? s->be->uuid : -1;
	d->be_http = s->be && s->be->mode == PR_MODE_HTTP;
	d->li = s->li;
	d->li_name = s->li ? s->li->name : NULL;
	if (s->has_dst)
		d->fe_addr = s->dst_addr;
	else
		detail_sockname(s->cli.fd, &d->fe_addr);
	detail_sockname(stream_srv_conn(s)->fd, &d->be_addr);
	d->server = s->srv;
	d->srv_puid = s->srv ? s->srv->puid : -1;
	if (s->srv)
		d->srv_addr = s->srv->addr;
	if (s->be) {
		unsigned int total = s->retries_set ? s->retries_set - 1 : s->be->retries;

		d->retries = total > s->retries_left ? total - s->retries_left : 0;
	}
	d->queued = s->queued;
	d->conn_exp = s->state == ST_QUEUED || s->state == ST_CONNECTING ? detail_delay(s->conn_exp) : STRM_NEVER;
	d->task = s->task;
	d->task_exp = detail_delay(atomic_load_explicit(&s->task->expire, memory_order_relaxed));
	d->txn = s->txn;
	d->status = -1;
	if (s->txn) {
		d->meth = s->txn->meth;
		d->status = s->txn->status;
		d->req_st = s->txn->req_state;
		d->res_st = s->txn->res_state;
	}
	for (int i = 0; i < 2; i++) {
		const struct side *sd = i ? &s->srvside : &s->cli;
		const struct channel *ch = i ? &s->res : &s->req;
		__typeof__(d->cli) *ds = i ? &d->srvs : &d->cli;
		__typeof__(d->req) *dc = i ? &d->res : &d->req;

		ds->side = sd;
		ds->flags = sd->flags;
		ds->fd = sd->fd;
		ds->tls = sd->xprt != NULL;
		ds->exp = detail_delay(sd->exp);
		dc->chn = ch;
		dc->area = buf_allocated(&ch->buf) ? ch->buf.area : NULL;
		dc->data = (uint32_t)buf_data(&ch->buf);
		dc->size = (uint32_t)ch->buf.size;
		dc->pipe = ch->pipe != NULL;
		dc->total = ch->total;
	}
}

int stream_snapshot(struct stream_info *out, int max)
{
	return stream_snapshot_detail(out, NULL, max, NULL);
}

int stream_snapshot_detail(struct stream_info *out, struct stream_detail *details, int max,
			   const void *only)
{
	int n = 0;

	thread_isolate();
	for (int t = 0; t < MAX_THREADS; t++) {
		struct stream *s;

		list_for_each(s, &streams_by_thread[t], by_thread) {
			if (only && (const void *)s != only)
				continue;
			if (n < max) {
				struct stream_info *si = &out[n];

				si->ptr = s;
				si->cli_addr = s->cli_addr;
				si->fe = s->fe->id;
				si->be = s->be ? s->be->id : NULL;
				snprintf(si->srv, sizeof(si->srv), "%s", s->srv ? s->srv->id : "");
				/* thread clocks differ slightly: never negative */
				si->age_ms = (int32_t)(now_ms - s->t_accept) > 0 ? now_ms - s->t_accept : 0;
				si->calls = atomic_load_explicit(&s->task->tl.calls, memory_order_relaxed);
				si->tid = s->tid;
				si->state = s->state;
				si->d = details ? &details[n] : NULL;
				if (details)
					detail_fill(s, &details[n]);
			}
			n++;
		}
	}
	thread_release();
	return n;
}

int stream_shutdown_server(const struct server *srv, int backups, int why)
{
	int own = !thread_isolated(), n = 0;

	if (own)
		thread_isolate();
	for (int t = 0; t < MAX_THREADS; t++) {
		struct stream *s;

		list_for_each(s, &streams_by_thread[t], by_thread) {
			const struct server *held = s->srv;

			if (!held || (backups ? held->proxy != srv->proxy || !(held->flags & SRV_F_BACKUP) : held != srv))
				continue;
			atomic_store_explicit(&s->kill_req, why, memory_order_relaxed);
			task_wakeup(s->task, TASK_WOKEN_OTHER);
			n++;
		}
	}
	if (own)
		thread_release();
	return n;
}

int stream_shutdown(const void *ptr)
{
	int ret = -ENOENT;

	thread_isolate();
	for (int t = 0; t < MAX_THREADS && ret; t++) {
		struct stream *s;

		list_for_each(s, &streams_by_thread[t], by_thread) {
			if ((const void *)s != ptr)
				continue;
			/* alive: its owner is parked by the isolation */
			atomic_store_explicit(&s->kill_req, 1, memory_order_relaxed);
			task_wakeup(s->task, TASK_WOKEN_OTHER);
			ret = 0;
			break;
		}
	}
	thread_release();
	return ret;
}
