/*
 * Listening sockets hand-over on reload: the `_getsocks` command (old
 * process) and its client, cli_getsocks() (new process, `-x <path>`).
 *
 * Protocol (Tollgate's; HAProxy's own is undocumented in management.txt,
 * this one is documented in doc/admin-socket.md):
 *   client -> `_getsocks\n` on a unix stats socket of level admin;
 *   server -> a byte stream of text lines, with the sockets attached as
 *   SCM_RIGHTS to the messages that carry their lines:
 *     `<N>\n`                       the number of sockets, first;
 *     `<i> <frontend> <address> <thread>\n`   one per socket, i = 0..N-1,
 *   sent in messages of at most XFER_BATCH sockets; each message's
 *   SCM_RIGHTS holds the sockets of the lines it carries, in order. Then the
 *   usual empty line ends the answer. The receiver matches sockets with its
 *   listeners by their bound address (getsockname()), not by the text,
 *   which is for logs and humans.
 *
 * Threading: a listener socket belongs to a worker, which may close it
 * (soft stop) at any time. The command dup()s them all under thread
 * isolation (parse), so that what it sends stays open until sent, then
 * sends a batch per dump step with MSG_DONTWAIT: the worker never blocks;
 * a full socket buffer just makes the step wait for the next run.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <tollgate/addr.h>
#include <tollgate/cli.h>
#include <tollgate/isolate.h>
#include <tollgate/proxy.h>
#include <tollgate/thread.h>

#define XFER_BATCH      64      /* sockets per message */
#define XFER_LINE       384     /* bytes of one metadata line at most */
#define XFER_TIMEOUT_MS 5000    /* client: give up after this long */

struct xfer_ctx {
	int *fds;                    /* dup()ed sockets (malloc'ed), -1 once sent */
	char (*meta)[XFER_LINE];     /* their lines (malloc'ed) */
	int n;                       /* sockets */
	int sent;                    /* sockets sent */
	int header_sent;             /* `<N>\n` sent */
};

/* ---- Server side: _getsocks ---- */

static void xfer_release(struct cli_session *s)
{
	struct xfer_ctx *c = cli_ctx(s);

	for (int i = c->sent; i < c->n; i++)
		if (c->fds[i] >= 0)
			close(c->fds[i]);
	free(c->fds);
	free(c->meta);
	c->fds = NULL;
	c->meta = NULL;
	c->n = c->sent = 0;
}

static int parse_getsocks(struct cli_session *s, int argc, char **args)
{
	struct xfer_ctx *c = cli_ctx(s);
	int domain = 0;
	socklen_t dl = sizeof(domain);

	if (getsockopt(cli_session_fd(s), SOL_SOCKET, SO_DOMAIN, &domain, &dl) < 0 || domain != AF_UNIX)
		return cli_err(s, "_getsocks: only on a unix stats socket.\n");
	if (!cli_session_exposes_fds(s))
		return cli_err(s, "_getsocks: this stats socket does not have 'expose-fd listeners'.\n");
	c->fds = malloc(sizeof(*c->fds) * CLI_XFER_MAX);
	c->meta = malloc(sizeof(*c->meta) * CLI_XFER_MAX);
	if (!c->fds || !c->meta) {
		xfer_release(s);
		return cli_err(s, "Out of memory.\n");
	}
	/* the workers own the sockets and may close them: copy under isolation */
	thread_isolate();
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct listener *l;

		if (!(px->cap & PR_CAP_FE))
			continue;
		list_for_each(l, &px->listeners, list) {
			char addr[ADDR_STRLEN];

			addr_format(&l->addr, addr, sizeof(addr));
			for (int t = 0; t < MAX_THREADS && c->n < CLI_XFER_MAX; t++) {
				int fd = l->fds[t];

				if (fd < 0 || (fd = dup(fd)) < 0)
					continue;
				c->fds[c->n] = fd;
				snprintf(c->meta[c->n], XFER_LINE, "%d %s %s %d\n", c->n, px->id, addr, t);
				c->n++;
			}
		}
	}
	thread_release();
	return CLI_DUMP;
}

/* Sends the next message; 1 when everything is sent. */
static int dump_getsocks(struct cli_session *s)
{
	struct xfer_ctx *c = cli_ctx(s);
	char data[16 + XFER_BATCH * XFER_LINE];
	union {
		char buf[CMSG_SPACE(sizeof(int) * XFER_BATCH)];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { 0 };
	struct iovec iov;
	size_t len = 0;
	int k = 0;
	ssize_t ret;

	if (c->header_sent && c->sent >= c->n)
		return 1;
	if (cli_output_pending(s))
		return 0; /* the text of a partly sent message goes first */
	if (!c->header_sent)
		len += (size_t)snprintf(data, sizeof(data), "%d\n", c->n);
	for (; k < XFER_BATCH && c->sent + k < c->n; k++) {
		size_t l = strlen(c->meta[c->sent + k]);

		memcpy(data + len, c->meta[c->sent + k], l);
		len += l;
	}
	iov.iov_base = data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (k) {
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)k);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)k);
		memcpy(CMSG_DATA(cm), c->fds + c->sent, sizeof(int) * (size_t)k);
	}
	ret = sendmsg(cli_session_fd(s), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (ret < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0; /* the next run tries again */
		return 1;         /* the client is gone: the session ends */
	}
	if ((size_t)ret < len) {
		/* Only part of the text went (the fds did, with its first
		 * byte): send the rest as plain data. Tiny, rare; a unix
		 * socket with room for part of a message has room for the
		 * rest soon, and the output buffer is empty.
		 */
		cli_write(s, data + ret, len - (size_t)ret);
	}
	for (int i = 0; i < k; i++) {
		close(c->fds[c->sent + i]);
		c->fds[c->sent + i] = -1;
	}
	c->sent += k;
	c->header_sent = 1;
	return c->sent >= c->n;
}

/* ---- Client side: -x ---- */

int cli_getsocks(const char *path, int *fds, int max, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char text[4096];                /* the unfinished line */
	size_t tlen = 0;
	int fd, nfds = 0, got = 0, nlines = -1, want = -1, ret;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "'%s': path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "socket(): %s", strerror(errno));
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot connect to '%s': %s", path, strerror(errno));
		goto out_close;
	}
	if (send(fd, "_getsocks\n", 10, MSG_NOSIGNAL) != 10) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "cannot send to '%s': %s", path, strerror(errno));
		goto out_close;
	}
	while (want < 0 || got < want || nlines < want) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * XFER_BATCH)];
			struct cmsghdr align;
		} u;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct msghdr msg = { 0 };
		struct iovec iov;
		ssize_t n;

		if (tlen >= sizeof(text) - 1) {
			snprintf(err, errlen, "'%s': line too long in the answer", path);
			ret = -EPROTO;
			goto out_fds;
		}
		ret = poll(&pfd, 1, XFER_TIMEOUT_MS);
		if (ret <= 0) {
			ret = ret ? -errno : -ETIMEDOUT;
			snprintf(err, errlen, "'%s': no answer to _getsocks", path);
			goto out_fds;
		}
		iov.iov_base = text + tlen;
		iov.iov_len = sizeof(text) - 1 - tlen;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n ? -errno : -ECONNRESET;
			snprintf(err, errlen, "'%s': connection closed during _getsocks (is it a level admin socket?)", path);
			goto out_fds;
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			int k;

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (int i = 0; i < k; i++) {
				int rfd;

				memcpy(&rfd, CMSG_DATA(cm) + sizeof(int) * (size_t)i, sizeof(int));
				got++;
				if (nfds < max)
					fds[nfds++] = rfd;
				else
					close(rfd);
			}
		}
		if (msg.msg_flags & MSG_CTRUNC) {
			snprintf(err, errlen, "'%s': sockets lost in transfer", path);
			ret = -EPROTO;
			goto out_fds;
		}
		tlen += (size_t)n;
		text[tlen] = '\0';
		/* consume complete lines: the first is N, then one per socket */
		for (char *nl; (nl = strchr(text, '\n')); ) {
			size_t used = (size_t)(nl - text) + 1;

			*nl = '\0';
			if (want < 0) {
				char *end;
				long v = strtol(text, &end, 10);

				if (*end || end == text || v < 0) {
					/* not our protocol: an error message */
					snprintf(err, errlen, "'%s' answered: %.200s", path, text);
					ret = -EPROTO;
					goto out_fds;
				}
				want = (int)v;
				nlines = 0;
			} else {
				nlines++;
			}
			memmove(text, text + used, tlen - used + 1);
			tlen -= used;
		}
	}
	close(fd);
	return nfds < want ? nfds : want;

out_fds:
	while (nfds > 0)
		close(fds[--nfds]);
out_close:
	close(fd);
	return ret;
}

static struct cli_kw xfer_kws[] = {
	{ { "_getsocks", NULL }, NULL, CLI_LVL_ADMIN, parse_getsocks, dump_getsocks, xfer_release, NULL },
	{ { NULL }, NULL, 0, NULL, NULL, NULL, NULL },
};

static struct cli_kw_list xfer_kw_list = { xfer_kws, NULL };

__attribute__((constructor)) static void cli_xfer_register(void)
{
	cli_register(&xfer_kw_list);
}
