/*
 * TCP health checks. See check.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tollgate/check.h>
#include <tollgate/clock.h>
#include <tollgate/fd.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/sock.h>
#include <tollgate/task.h>
#include <tollgate/ticks.h>

struct check {
	struct server *srv;       /* checked server */
	struct task *task;        /* local to one worker */
	int fd;                   /* probe socket, -1 between probes */
	unsigned int ev;          /* events seen on <fd> */
	unsigned int health;      /* 0..rise+fall-1; up when >= rise */
	uint32_t probe_exp;       /* end of the current probe */
	struct check *next;       /* all checks */
};

static struct check *checks;

static void check_iocb(int fd, unsigned int events, void *owner)
{
	struct check *c = owner;

	c->ev |= events;
	task_wakeup(c->task, TASK_WOKEN_IO);
}

static void probe_end(struct check *c)
{
	if (c->fd >= 0) {
		fd_delete(c->fd);
		c->fd = -1;
	}
	c->ev = 0;
	c->probe_exp = TICK_ETERNITY;
}

/* Records a probe result and changes the server's state at the edges.
 * HAProxy's model: health counts up to rise + fall - 1; the server is up
 * at or above rise.
 */
static void probe_result(struct check *c, int ok, const char *why)
{
	struct server *srv = c->srv;
	unsigned int top = srv->rise + srv->fall - 1;

	if (ok) {
		if (c->health < top)
			c->health++;
		if (c->health == srv->rise)
			c->health = top;   /* fully up at once, as HAProxy */
		if (c->health >= srv->rise && atomic_load(&srv->cur_state) != SRV_ST_RUNNING)
			server_set_state(srv, SRV_ST_RUNNING, "Layer4 check passed");
	} else {
		if (c->health > 0)
			c->health--;
		if (c->health < srv->rise && atomic_load(&srv->cur_state) == SRV_ST_RUNNING) {
			c->health = 0;     /* fully down at once, as HAProxy */
			server_set_state(srv, SRV_ST_STOPPED, why);
		}
	}
	probe_end(c);
}

static unsigned int next_interval(const struct check *c)
{
	const struct server *srv = c->srv;
	unsigned int top = srv->rise + srv->fall - 1;

	if (atomic_load(&srv->cur_state) != SRV_ST_RUNNING)
		return c->health ? (srv->fastinter ? srv->fastinter : srv->inter)
		                 : (srv->downinter ? srv->downinter : srv->inter);
	if (c->health < top && srv->fastinter)
		return srv->fastinter;
	return srv->inter;
}

static void probe_start(struct check *c)
{
	const struct pr_timeouts *to = &c->srv->proxy->timeout;
	unsigned int limit = to->check ? to->check : to->connect;
	int fd = -1, ret;

	if (!limit || limit > c->srv->inter)
		limit = c->srv->inter;
	ret = sock_connect(&c->srv->addr, NULL, &fd);
	if (ret < 0 && ret != -EINPROGRESS) {
		probe_result(c, 0, ret == -ECONNREFUSED ? "Layer4 connection problem, info: \"Connection refused\""
		                                      : "Layer4 connection problem");
		return;
	}
	if (fd_insert(fd, tid, check_iocb, c, FD_EV_OUT) < 0) {
		close(fd);
		probe_result(c, 0, "Layer4 connection problem (out of resources)");
		return;
	}
	c->fd = fd;
	c->ev = 0;
	c->probe_exp = tick_add(now_ms, limit);
}

static struct task *check_process(struct task *t, void *ctx, unsigned int state)
{
	struct check *c = ctx;

	if (c->fd >= 0) {
		if (c->ev & (FD_EV_OUT | FD_EV_ERR | FD_EV_HUP)) {
			int err = sock_get_error(c->fd);

			if (!err)
				probe_result(c, 1, NULL);
			else
				probe_result(c, 0, err == -ECONNREFUSED ?
				             "Layer4 connection problem, info: \"Connection refused\"" :
				             "Layer4 connection problem");
		} else if (tick_is_expired(c->probe_exp, now_ms)) {
			probe_result(c, 0, "Layer4 timeout");
		} else {
			task_set_expire(t, c->probe_exp);
			return t;
		}
		task_set_expire(t, tick_add(now_ms, next_interval(c)));
		return t;
	}
	if (!(state & TASK_WOKEN_TIMER) && !(state & TASK_WOKEN_INIT)) {
		task_set_expire(t, task_expire(t));
		return t;
	}
	probe_start(c);
	if (c->fd >= 0)
		task_set_expire(t, c->probe_exp);
	else
		task_set_expire(t, tick_add(now_ms, next_interval(c)));
	return t;
}

int checks_start(void)
{
	int n = 0;

	clock_update();
	for (struct proxy *px = proxies_list; px; px = px->next) {
		for (struct server *srv = px->srv; srv; srv = srv->next) {
			struct check *c;
			int thr;

			if (!(srv->flags & SRV_F_CHECK) || (srv->flags & SRV_F_MAINT))
				continue;
			c = calloc(1, sizeof(*c));
			if (!c)
				return -ENOMEM;
			thr = n++ % thread_count;
			c->srv = srv;
			c->fd = -1;
			c->health = srv->rise + srv->fall - 1;  /* starts up */
			c->task = task_new(1UL << thr, check_process, c, "check");
			if (!c->task) {
				free(c);
				return -ENOMEM;
			}
			srv->check = c;
			c->next = checks;
			checks = c;
			/* spread the first probes over one interval */
			task_set_expire(c->task, tick_add(now_ms, 1 + (srv->inter * (unsigned int)n) / 16 % srv->inter));
		}
	}
	return 0;
}

void checks_stop(void)
{
	struct check *c, *next;

	for (c = checks; c; c = next) {
		next = c->next;
		if (c->fd >= 0) {
			fd_remove(c->fd);
			close(c->fd);
		}
		task_destroy(c->task);
		c->srv->check = NULL;
		free(c);
	}
	checks = NULL;
}
