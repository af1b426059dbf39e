/*
 * Reload hand-over: with -sf, the old process gives every stick table to
 * the new one, and what changes in the old one during the overlap follows
 * when it leaves. No configuration: it goes through the stats socket that
 * -x already uses (or the first admin unix stats socket).
 *
 *   new:  listens on a private abstract unix socket <name>;
 *         `_gettables <name>` on the old process's stats socket;
 *   old:  (CLI, any worker) answers `ok`, signals its main thread
 *         (handover_signal()); the main thread connects to <name>, checks
 *         nothing but the peer's uid (the name is random), and sends one
 *         frame: u64 length + a FULL state blob of every table
 *         (stktable_state.h). It keeps the blob as the baseline;
 *   new:  restores the blob (RESTORE), then binds, starts its workers,
 *         signals the old process (-sf): it serves with the old tables
 *         from its first request; a thread keeps the connection open;
 *   old:  soft-stops; every second (or ten times the last update's
 *         cost) while it finishes its connections, and once more when its
 *         workers stopped (the last connection finished, or
 *         hard-stop-after, the frame marked last), its main thread encodes
 *         the tables again and sends a DELTA blob against the baseline
 *         (loaded into shadow tables at the first update: same
 *         definitions, no expiry, a key index; each update sent joins it): per entry that changed since the
 *         snapshot, counters as increments over the baseline, rates and
 *         tags as they are; then closes;
 *   new:  the thread merges each delta (MERGE), and exits after the last.
 *
 * So an event counted by either process during the overlap is counted
 * once: the new process's own counts plus the old one's increments.
 * Rates keep the larger estimate of the two (an approximation: events of
 * both sides in the same period are not summed). Nothing here runs on a
 * worker but the CLI command's few lines; both ends run on main threads
 * (or the receiver thread), which serve no traffic.
 *
 * Failures are never fatal: the new process falls back to the state file
 * (if any) or empty tables, and says why in a warning.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <tollgate/cli.h>
#include <tollgate/clock.h>
#include <tollgate/handover.h>
#include <tollgate/log.h>
#include <tollgate/peers.h>
#include <tollgate/proxy.h>
#include <tollgate/stktable.h>
#include <tollgate/stktable_state.h>
#include <tollgate/ticks.h>

#define HO_NAME_LEN      64          /* abstract socket name, at most */
#define HO_ANSWER_MS     5000        /* old process: answer to _gettables */
#define HO_CONNECT_MS    10000       /* old process: connection to the new one */
#define HO_IO_MS         60000       /* a blob that stops moving this long */
#define HO_MAX_BLOB      (16ULL << 30)
#define HO_PUSH_NS       1000000000ULL /* old process: changes sent every second at most */

/* ---- Common: frames ---- */

/* Waits until <fd> is ready for <ev> at most <ms> (-1: forever). Returns
 * 0, or -ETIMEDOUT / -errno.
 */
static int wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int r;

	do {
		r = poll(&p, 1, ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r ? 0 : -ETIMEDOUT;
}

/* Sends <len> bytes of <p> on <fd>. Returns 0 or -errno. */
static int send_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int r = wait_fd(fd, POLLOUT, HO_IO_MS);

			if (r < 0)
				return r;
			continue;
		}
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Receives exactly <len> bytes into <p>; the first byte may wait <first_ms>
 * (-1: forever). Returns 0, -ECONNRESET on a clean end before any byte,
 * or -errno.
 */
static int recv_all(int fd, unsigned char *p, size_t len, int first_ms)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;
		int r = wait_fd(fd, POLLIN, got ? HO_IO_MS : first_ms);

		if (r < 0)
			return r;
		n = recv(fd, p + got, len - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got ? -EPIPE : -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

/* Frame header: u64 little-endian, the blob's length, HO_LAST set on the
 * last frame of a connection (the old process's final changes).
 */
#define HO_LAST          (1ULL << 63)

/* Sends the frame of blob <b>, <last> or not. Returns 0 or -errno. */
static int send_frame(int fd, const struct stkstate_buf *b, int last)
{
	uint64_t h = (uint64_t)b->len | (last ? HO_LAST : 0);
	unsigned char hdr[8];
	int r;

	for (int i = 0; i < 8; i++)
		hdr[i] = (unsigned char)(h >> (8 * i));
	r = send_all(fd, hdr, 8);
	return r < 0 ? r : send_all(fd, b->p, b->len);
}

/* Receives a frame into <*buf>/<*len> (malloc'ed), its flag into <*last>.
 * Returns 0 or -errno (-ECONNRESET: a clean end between frames).
 */
static int recv_frame(int fd, unsigned char **buf, size_t *len, int *last, int first_ms)
{
	unsigned char hdr[8];
	uint64_t l;
	int r;

	r = recv_all(fd, hdr, 8, first_ms);
	if (r < 0)
		return r;
	l = stkstate_rd64(hdr);
	*last = !!(l & HO_LAST);
	l &= ~HO_LAST;
	if (l > HO_MAX_BLOB)
		return -EMSGSIZE;
	*buf = malloc(l ? l : 1);
	if (!*buf)
		return -ENOMEM;
	r = recv_all(fd, *buf, l, HO_IO_MS);
	if (r < 0) {
		free(*buf);
		return r == -ECONNRESET ? -EPIPE : r;
	}
	*len = l;
	return 0;
}

static int tx_all;      /* old process: the tables of peers sections too (a -st reload) */

/* Returns 1 if <t> goes to the new process by this hand-over: not the
 * tables that the local peer teaches (peers.h), unless it asked for all.
 */
static int handed_over(const struct stktable *t)
{
	return t && (tx_all || !peers_table_taught(t));
}

/* Encodes every table of the process handed over into <b> as a FULL
 * blob. Returns the number of entries, or -ENOMEM.
 */
static long encode_all(struct stkstate_buf *b)
{
	uint32_t ntables = 0;
	uint64_t count = 0;

	clock_update();
	for (struct proxy *px = proxies_list; px; px = px->next)
		ntables += handed_over(px->table);
	stktable_state_begin(b, STKSTATE_KIND_FULL, ntables);
	for (struct proxy *px = proxies_list; px; px = px->next)
		if (handed_over(px->table))
			count += stktable_state_put_table(b, px->table);
	return stktable_state_end(b) < 0 ? -ENOMEM : (long)count;
}

static void ho_warn(void *ctx, const char *msg)
{
	log_warning("reload hand-over: %s.", msg);
}

/* ---- New process ---- */

static int rx_fd = -1;                    /* connection to the old process, kept for its delta */

/* Connects to the stats socket <path>, sends <cmd>, reads the answer into
 * <ans>. Returns 0 or -errno with a message in <err>.
 */
static int ask_old(const char *path, const char *cmd, char *ans, size_t anslen, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t got = 0;
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "'%s': path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot connect to '%s': %s", path, strerror(errno));
		goto out_close;
	}
	r = send_all(fd, (const unsigned char *)cmd, strlen(cmd));
	if (r < 0) {
		snprintf(err, errlen, "cannot send to '%s': %s", path, strerror(-r));
		goto out_close;
	}
	/* the answer is short and ends with the connection (one command) */
	while (got < anslen - 1) {
		ssize_t n;

		r = wait_fd(fd, POLLIN, HO_ANSWER_MS);
		if (r < 0)
			break;
		n = recv(fd, ans + got, anslen - 1 - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(ans, '\n', got))
			break;
	}
	ans[got] = '\0';
	r = 0;
out_close:
	if (fd >= 0)
		close(fd);
	return r;
}

long handover_fetch(const char *path, int all, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char name[HO_NAME_LEN], cmd[HO_NAME_LEN + 32], ans[512], why[256];
	unsigned char rnd[8], *blob = NULL;
	uint64_t t0 = clock_mono_ns();
	struct ucred cred;
	socklen_t cl = sizeof(cred), alen;
	size_t len = 0;
	int lfd, fd = -1, r, last;
	long n;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	snprintf(name, sizeof(name), "tollgate-handover-%d-%02x%02x%02x%02x%02x%02x%02x%02x", (int)getpid(),
	         rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	memcpy(sun.sun_path + 1, name, strlen(name));
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, alen) < 0 || listen(lfd, 1) < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot listen for the old process: %s", strerror(errno));
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "_gettables %s%s\n", name, all ? " all" : "");
	r = ask_old(path, cmd, ans, sizeof(ans), err, errlen);
	if (r < 0)
		goto out;
	if (strncmp(ans, "ok", 2) != 0) {
		ans[strcspn(ans, "\n")] = '\0';
		snprintf(err, errlen, "'%s' answered: %.200s", path, ans[0] ? ans : "(nothing)");
		r = -EPROTO;
		goto out;
	}
	r = wait_fd(lfd, POLLIN, HO_CONNECT_MS);
	if (r < 0 || (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		r = r < 0 ? r : -errno;
		snprintf(err, errlen, "the old process did not connect back: %s", strerror(-r));
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0 || cred.uid != getuid()) {
		snprintf(err, errlen, "a process of another user connected instead of the old process");
		r = -EPERM;
		goto out;
	}
	r = recv_frame(fd, &blob, &len, &last, HO_IO_MS);
	if (r < 0) {
		snprintf(err, errlen, "the tables did not arrive: %s", strerror(-r));
		goto out;
	}
	clock_update();
	n = stktable_state_apply(blob, len, STKSTATE_RESTORE, tables_find, ho_warn, NULL, why, sizeof(why));
	free(blob);
	if (n < 0) {
		snprintf(err, errlen, "bad tables from the old process: %s", why);
		r = (int)n;
		goto out;
	}
	log_notice("Reload hand-over: took %ld stick-table entries (%zu bytes) from the old process in %llu ms.",
	           n, len, (unsigned long long)((clock_mono_ns() - t0) / 1000000ULL));
	rx_fd = fd;
	close(lfd);
	return n;
out:
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
	return r;
}

/* The new process's thread: merges the old process's updates (every
 * second or so while it finishes its connections, then its last ones)
 * until the last frame or the end of the connection.
 */
static void *receiver(void *arg)
{
	long total = 0, n;
	int frames = 0, last = 0, r;
	char why[256];

	(void)arg;
	while (!last) {
		unsigned char *blob = NULL;
		size_t len = 0;

		r = recv_frame(rx_fd, &blob, &len, &last, -1);
		if (r == -ECONNRESET) {
			log_warning("reload hand-over: the old process left without its final changes (%ld entries merged from %d updates before).", total, frames);
			goto out;
		}
		if (r < 0) {
			log_warning("reload hand-over: the old process's changes did not arrive: %s.", strerror(-r));
			goto out;
		}
		clock_update();
		n = stktable_state_apply(blob, len, STKSTATE_MERGE, tables_find, ho_warn, NULL, why, sizeof(why));
		free(blob);
		if (n < 0) {
			log_warning("reload hand-over: bad changes from the old process: %s.", why);
			goto out;
		}
		total += n;
		frames++;
		log_debug("reload hand-over: merged %ld entries changed in the old process.", n);
	}
	log_notice("Reload hand-over: merged %ld stick-table entries changed in the old process since it handed its tables over (%d updates).", total, frames);
out:
	close(rx_fd);
	rx_fd = -1;
	return NULL;
}

void handover_start_receiver(void)
{
	pthread_attr_t attr;
	pthread_t th;

	if (rx_fd < 0)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, receiver, NULL) != 0) {
		log_warning("reload hand-over: cannot start a thread for the old process's final changes: they are lost.");
		close(rx_fd);
		rx_fd = -1;
	}
	pthread_attr_destroy(&attr);
}

/* ---- Old process ---- */

/* Baseline of the delta: one shadow table per live table. */
struct shadow {
	struct stktable *live;        /* the process's table */
	struct stktable copy;         /* what the new process got */
};

static pthread_mutex_t req_lock = PTHREAD_MUTEX_INITIALIZER;
static char req_name[HO_NAME_LEN];        /* requested socket name, "" if none (req_lock) */
static int req_all;                       /* it asked for every table (req_lock) */
static _Atomic int ho_state;              /* 0 idle, 1 requested, 2 serving, 3 handed over */
static int tx_fd = -1;                    /* connection to the new process (main thread) */
static struct stkstate_buf sent;          /* the blob sent: the baseline (main thread) */
static struct shadow *shadows;            /* baseline tables built from it (main thread) */
static int nshadows;                      /* their number */
static uint32_t snap_tick;                /* now_ms of the last encoding sent */
static uint64_t next_push_ns;             /* next update to the new process (clock_mono_ns) */

int handover_signal(void)
{
	return SIGRTMIN + 1;
}

int handover_done(void)
{
	return atomic_load(&ho_state) == 3;
}

static struct stktable *shadow_find(const char *name)
{
	for (int i = 0; i < nshadows; i++)
		if (!strcmp(shadows[i].live->id, name))
			return &shadows[i].copy;
	return NULL;
}

static void shadow_warn(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;      /* same definitions: cannot happen */
}

static void shadows_free(void)
{
	for (int i = 0; i < nshadows; i++)
		stktable_deinit(&shadows[i].copy);
	free(shadows);
	shadows = NULL;
	nshadows = 0;
}

/* Builds the baseline from the blob sent. Returns 0 or -ENOMEM. */
static int shadows_build(const struct stkstate_buf *b)
{
	char why[256];
	int n = 0;

	for (struct proxy *px = proxies_list; px; px = px->next)
		n += px->table != NULL;
	shadows = calloc((size_t)(n ? n : 1), sizeof(*shadows));
	if (!shadows)
		return -ENOMEM;
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct stktable_def def;

		if (!px->table)
			continue;
		def = px->table->def;
		def.expire = 0;                       /* a baseline never expires */
		def.flags &= ~STKTABLE_F_NOPURGE;
		if (stktable_init(&shadows[nshadows].copy, px->table->id, &def) < 0) {
			shadows_free();
			return -ENOMEM;
		}
		shadows[nshadows++].live = px->table;
	}
	return stktable_state_apply(b->p, b->len, STKSTATE_RESTORE, shadow_find, shadow_warn, NULL,
	                            why, sizeof(why)) < 0 ? -ENOMEM : 0;
}

static int parse_gettables(struct cli_session *s, int argc, char **args)
{
	int domain = 0, idle = 0;
	socklen_t dl = sizeof(domain);
	size_t l;

	if (getsockopt(cli_session_fd(s), SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0 || domain != AF_UNIX)
		return cli_err(s, "_gettables: only on a unix stats socket.\n");
	if (argc < 2 || !(l = strlen(args[1])) || l >= HO_NAME_LEN || strspn(args[1],
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != l)
		return cli_err(s, "_gettables: expects the name of the new process's socket.\n");
	/* after a hand-over, a new request is served only if the process
	 * that took the tables is gone (the main thread checks): a reload
	 * whose new process failed to start may be tried again
	 */
	if (!atomic_compare_exchange_strong(&ho_state, &idle, 1)) {
		int done = 3;

		if (!atomic_compare_exchange_strong(&ho_state, &done, 1))
			return cli_err(s, "_gettables: a hand-over is in progress.\n");
	}
	pthread_mutex_lock(&req_lock);
	memcpy(req_name, args[1], l + 1);
	req_all = argc > 2 && !strcmp(args[2], "all");
	pthread_mutex_unlock(&req_lock);
	kill(getpid(), handover_signal());    /* the main thread takes it */
	return cli_msg(s, "ok\n");
}

void handover_serve(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stkstate_buf b = { 0 };
	char name[HO_NAME_LEN];
	socklen_t alen;
	long n;
	int fd, r;

	if (atomic_load(&ho_state) != 1)
		return;
	if (tx_fd >= 0) {
		struct pollfd p = { .fd = tx_fd, .events = POLLRDHUP };

		if (poll(&p, 1, 0) == 0) {
			log_warning("reload hand-over: refused to a second process: the tables belong to the process that took them.");
			atomic_store(&ho_state, 3);
			return;
		}
		/* the process that took them is gone: start afresh */
		close(tx_fd);
		tx_fd = -1;
		free(sent.p);
		memset(&sent, 0, sizeof(sent));
	}
	pthread_mutex_lock(&req_lock);
	memcpy(name, req_name, sizeof(name));
	tx_all = req_all;
	pthread_mutex_unlock(&req_lock);
	atomic_store(&ho_state, 2);
	memcpy(sun.sun_path + 1, name, strlen(name));
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, alen) < 0) {
		log_warning("reload hand-over: cannot reach the new process: %s.", strerror(errno));
		goto fail;
	}
	n = encode_all(&b);
	snap_tick = now_ms;
	if (n < 0) {
		log_warning("reload hand-over: out of memory encoding the tables.");
		goto fail;
	}
	r = send_frame(fd, &b, 0);
	if (r < 0) {
		log_warning("reload hand-over: sending the tables failed: %s.", strerror(-r));
		goto fail;
	}
	sent = b;               /* the baseline, indexed when the first update is due */
	tx_fd = fd;
	next_push_ns = clock_mono_ns() + HO_PUSH_NS;
	atomic_store(&ho_state, 3);
	log_notice("Reload hand-over: gave %ld stick-table entries to the new process.", n);
	return;
fail:
	free(b.p);
	if (fd >= 0)
		close(fd);
	atomic_store(&ho_state, 0);            /* a later reload may try again */
}

/* Element readers for the delta: value of one element at <p>. */
struct elem {
	uint64_t v;                   /* integer value, or a rate's estimate */
	size_t len;                   /* bytes in the blob */
};

static struct elem read_elem(int type, uint32_t period, const unsigned char *p)
{
	struct elem e = { 0, 4 };

	switch (stktable_data_types[type].std_type) {
	case STKTABLE_STD_ULL:
		e.v = stkstate_rd64(p);
		e.len = 8;
		break;
	case STKTABLE_STD_FRQP: {
		uint32_t c = stkstate_rd32(p), pv = stkstate_rd32(p + 4), age = stkstate_rd32(p + 8);

		e.v = c + (age < period ? (uint64_t)pv * (period - age) / period : 0);
		e.len = 12;
		break;
	}
	case STKTABLE_STD_DICT:
		e.len = 2 + (size_t)stkstate_rd16(p);
		break;
	default:
		e.v = stkstate_rd32(p);
		break;
	}
	return e;
}

/* Returns 1 if <type> holds a count that two processes add up. */
static int is_counter(int type)
{
	int st = stktable_data_types[type].std_type;

	return (st == STKTABLE_STD_UINT || st == STKTABLE_STD_ULL) && type != STKTABLE_DT_GPT0 &&
	       type != STKTABLE_DT_GPT && type != STKTABLE_DT_CONN_CUR;
}

/* Appends to <out> the entry at <p> of record <tb> as a delta over the
 * baseline table <base>, if it changed since the snapshot (<elapsed> ms
 * ago). Returns 1 if appended.
 */
static int delta_entry(struct stkstate_buf *out, const struct stkstate_table *tb, struct stktable *base,
                       const unsigned char *p, uint32_t elapsed)
{
	struct stktable_key key = { p, tb->key_size };
	struct stksess *bts = stktable_lookup_noexp(base, &key);
	uint32_t rem = stkstate_rd32(p + tb->key_size);
	const unsigned char *q = p + tb->key_size + 4;
	size_t mark = out->len;
	int changed = !bts;

	/* touched after the snapshot: lives longer than anything touched before */
	if (tb->expire && rem != STKSTATE_NEVER && rem + elapsed > tb->expire)
		changed = 1;
	stkstate_put(out, p, tb->key_size + 4);
	for (uint32_t k = 0; k < tb->ndt; k++) {
		int ty = tb->type[k];

		for (uint32_t e = 0; e < tb->nbelem[k]; e++) {
			struct elem cur = read_elem(ty, tb->period[k], q);
			uint64_t was = 0;

			if (bts)
				stktable_data_get(base, bts, ty, e, &was);
			if (is_counter(ty)) {
				uint64_t d = cur.v - was;

				changed |= d != 0;
				if (cur.len == 8)
					stkstate_put64(out, d);
				else
					stkstate_put32(out, (uint32_t)d);
			} else {
				/* rates are no criterion: their estimates of the same
				 * events drift by rounding; an event that counts in a
				 * rate also touches the entry or counts elsewhere
				 */
				if (stktable_data_types[ty].std_type == STKTABLE_STD_FRQP)
					;
				else if (stktable_data_types[ty].std_type == STKTABLE_STD_DICT)
					changed |= !was ? cur.len > 2 :
					           cur.len - 2 != strlen((const char *)(uintptr_t)was) ||
					           memcmp(q + 2, (const char *)(uintptr_t)was, cur.len - 2) != 0;
				else
					changed |= cur.v != was;
				stkstate_put(out, q, cur.len);
			}
			q += cur.len;
		}
	}
	if (bts)
		stktable_release(base, bts);
	if (!changed)
		out->len = mark;
	return changed;
}

/* Writes into <out> the DELTA blob of <cur> (a FULL blob of now) over the
 * baseline. Returns the number of entries, or <0.
 */
static long delta_encode(const struct stkstate_buf *cur, struct stkstate_buf *out)
{
	struct stkstate_reader rd;
	struct stkstate_table tb;
	uint32_t elapsed = now_ms - snap_tick;
	char why[256];
	long total = 0;
	int r;

	if (stktable_state_open(cur->p, cur->len, &rd, NULL, NULL, why, sizeof(why)) < 0)
		return -EINVAL;
	stktable_state_begin(out, STKSTATE_KIND_DELTA, rd.left);
	while ((r = stktable_state_next_table(&rd, &tb, why, sizeof(why))) > 0) {
		char name[256];
		const unsigned char *p = tb.entries;
		struct stktable *base;
		uint64_t count = 0;
		size_t count_at;

		memcpy(name, tb.name, tb.name_len);
		name[tb.name_len] = '\0';
		base = shadow_find(name);
		/* the record's head as it is, its count patched after */
		stkstate_put(out, tb.name - 2, (size_t)(tb.entries - (const unsigned char *)tb.name + 2) - 8);
		count_at = out->len;
		stkstate_put64(out, 0);
		for (uint64_t i = 0; i < tb.count; i++) {
			size_t l = stktable_state_entry_len(&tb, p, (size_t)(tb.entries + tb.entries_len - p));

			if (base)
				count += (uint64_t)delta_entry(out, &tb, base, p, elapsed);
			p += l;
		}
		if (!out->oom)
			for (int i = 0; i < 8; i++)
				out->p[count_at + i] = (unsigned char)(count >> (8 * i));
		total += (long)count;
	}
	if (r < 0 || stktable_state_end(out) < 0)
		return -ENOMEM;
	return total;
}

/* Drops the connection to the new process and the baseline. */
static void tx_close(void)
{
	close(tx_fd);           /* the new process hears the end */
	tx_fd = -1;
	shadows_free();
	free(sent.p);
	memset(&sent, 0, sizeof(sent));
}

/* Sends what changed since the last update (the snapshot first), <last>
 * or not, and moves the baseline on. Returns the number of entries sent,
 * or <0 with the connection closed.
 */
static long push_changes(int last)
{
	struct stkstate_buf cur = { 0 }, out = { 0 };
	char why[256];
	uint32_t tick;
	long n;
	int r;

	if (!shadows) {
		if (shadows_build(&sent) < 0) {
			log_warning("reload hand-over: out of memory indexing what was sent: the changes made here are lost.");
			tx_close();
			return -ENOMEM;
		}
		free(sent.p);
		memset(&sent, 0, sizeof(sent));
	}
	n = encode_all(&cur);
	tick = now_ms;
	if (n >= 0)
		n = delta_encode(&cur, &out);
	free(cur.p);
	if (n < 0) {
		log_warning("reload hand-over: out of memory encoding the changes made here: they are lost.");
		free(out.p);
		tx_close();
		return n;
	}
	r = send_frame(tx_fd, &out, last);
	if (r < 0) {
		log_warning("reload hand-over: sending the changes made here failed: %s; this process keeps its tables (and the state file).", strerror(-r));
		atomic_store(&ho_state, 0);
		free(out.p);
		tx_close();
		return r;
	}
	/* the new process has them now: they join the baseline */
	if (!last)
		stktable_state_apply(out.p, out.len, STKSTATE_MERGE, shadow_find, shadow_warn, NULL, why, sizeof(why));
	snap_tick = tick;
	free(out.p);
	return n;
}

void handover_tick(void)
{
	uint64_t now = clock_mono_ns(), took;

	if (tx_fd < 0 || now < next_push_ns)
		return;
	push_changes(0);
	/* a large table costs: at most a tenth of the main thread's time */
	took = clock_mono_ns() - now;
	next_push_ns = clock_mono_ns() + (took * 10 > HO_PUSH_NS ? took * 10 : HO_PUSH_NS);
}

void handover_finish(void)
{
	long n;

	if (tx_fd < 0)
		return;
	n = push_changes(1);
	if (n < 0)
		return;
	log_notice("Reload hand-over: sent %ld stick-table entries changed since the last update.", n);
	tx_close();
}

static struct cli_kw handover_kws[] = {
	{ { "_gettables", NULL }, NULL, CLI_LVL_ADMIN, parse_gettables, NULL, NULL, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list handover_kw_list = { handover_kws, NULL };

__attribute__((constructor)) static void handover_register(void)
{
	cli_register(&handover_kw_list);
}
