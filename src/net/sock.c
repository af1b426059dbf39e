/*
 * Sockets: listening sockets, accept, non-blocking connect, options.
 * See sock.h for the contracts.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <tollgate/errmsg.h>
#include <tollgate/addr.h>
#include <tollgate/compiler.h>
#include <tollgate/fd.h>
#include <tollgate/sock.h>


/* Returns the text of positive errno <e> (thread-safe). */
static const char *sock_strerror(int e, char *buf, size_t size)
{
	return strerror_r(e, buf, size);
}

static int sock_setint(int fd, int level, int opt, int val)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0)
		return -errno;
	return 0;
}

static int sock_getint(int fd, int level, int opt, int *val)
{
	socklen_t len = sizeof(*val);

	if (getsockopt(fd, level, opt, val, &len) < 0)
		return -errno;
	return 0;
}

int sock_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* Sets FD_CLOEXEC on <fd>. 0 or -errno. */
static int sock_set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -errno;
	if (!(fl & FD_CLOEXEC) && fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

/* Listens on an INET address. */
static int sock_listen_inet(const struct addr *a, const struct sock_opts *o,
                            const char *name, char *err, size_t errlen)
{
	char ebuf[128];
	int fd, rc;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		err_fmt(err, errlen, "cannot create a socket for %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		return rc;
	}
	rc = sock_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (rc < 0) {
		err_fmt(err, errlen, "cannot set SO_REUSEADDR on %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		goto out_close;
	}
	if (o->flags & SOCK_O_REUSEPORT) {
		rc = sock_setint(fd, SOL_SOCKET, SO_REUSEPORT, 1);
		if (rc < 0) {
			err_fmt(err, errlen, "cannot set SO_REUSEPORT on %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
			goto out_close;
		}
	}
	if (o->flags & SOCK_O_TRANSPARENT) {
		rc = sock_set_transparent(fd, a->ss.ss_family);
		if (rc < 0) {
			err_fmt(err, errlen, "cannot make %s transparent (IP_TRANSPARENT, IP_FREEBIND): %s",
			        name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
			goto out_close;
		}
	}
	if (a->ss.ss_family == AF_INET6 && (o->flags & (SOCK_O_V6ONLY | SOCK_O_V4V6))) {
		rc = sock_setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, !!(o->flags & SOCK_O_V6ONLY));
		if (rc < 0) {
			err_fmt(err, errlen, "cannot set %s on %s: %s", (o->flags & SOCK_O_V6ONLY) ? "v6only" : "v4v6",
			         name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
			goto out_close;
		}
	}
	/* the MSS the SYN-ACKs advertise, and accept() deferred until data
	 * came (HAProxy's 1 s, the kernel rounds it to a retransmission count)
	 */
	if (o->mss > 0 && (rc = sock_setint(fd, IPPROTO_TCP, TCP_MAXSEG, o->mss)) < 0) {
		err_fmt(err, errlen, "cannot set mss %d on %s: %s", o->mss, name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		goto out_close;
	}
	if ((o->flags & SOCK_O_DEFER_ACCEPT) && (rc = sock_setint(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 1)) < 0) {
		err_fmt(err, errlen, "cannot set defer-accept on %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		goto out_close;
	}
	if (bind(fd, addr_sa(a), a->len) < 0) {
		rc = -errno;
		err_fmt(err, errlen, "cannot bind %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		goto out_close;
	}
	if (listen(fd, o->backlog > 0 ? o->backlog : SOCK_DEFAULT_BACKLOG) < 0) {
		rc = -errno;
		err_fmt(err, errlen, "cannot listen on %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		goto out_close;
	}
	return fd;

out_close:
	close(fd);
	return rc;
}

/* Tells whether something accepts connections on unix path <sun>: returns 1
 * (live, or unknown: never replaced without SOCK_O_REPLACE), 0 (stale:
 * connection refused, or vanished).
 */
static int sock_unix_is_live(const struct sockaddr_un *sun, socklen_t len)
{
	int fd, rc;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 1;
	rc = connect(fd, (const struct sockaddr *)sun, len);
	if (rc < 0)
		rc = errno;
	close(fd);
	return !(rc == ECONNREFUSED || rc == ENOENT);
}

/* Gives the file at <path> the mode, owner and group of <o>. 0 or -errno. */
static int sock_unix_perms(const char *path, const struct sock_opts *o)
{
	if ((o->flags & SOCK_O_MODE) && chmod(path, o->mode) < 0)
		return -errno;
	if ((o->uid != (uid_t)-1 || o->gid != (gid_t)-1) && chown(path, o->uid, o->gid) < 0)
		return -errno;
	return 0;
}

/* Listens on a unix path or abstract name. */
static int sock_listen_unix(const struct addr *a, const struct sock_opts *o,
                            const char *name, char *err, size_t errlen)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->ss;
	struct sockaddr_un tmp;
	const char *path = sun->sun_path;
	const char *bound = NULL;        /* file to unlink on failure */
	char ebuf[128];
	struct stat st;
	int fd, rc, n;

	if (a->flags & ADDR_F_ABSTRACT)
		goto do_socket;

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			err_fmt(err, errlen, "cannot bind %s: a file that is not a socket exists at this path", name);
			return -EEXIST;
		}
		if (!(o->flags & SOCK_O_REPLACE) && sock_unix_is_live(sun, a->len)) {
			err_fmt(err, errlen, "cannot bind %s: another process is listening on this socket", name);
			return -EADDRINUSE;
		}
	} else if (errno != ENOENT) {
		rc = -errno;
		err_fmt(err, errlen, "cannot bind %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		return rc;
	}

do_socket:
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		err_fmt(err, errlen, "cannot create a socket for %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		return rc;
	}

	if (a->flags & ADDR_F_ABSTRACT) {
		if (bind(fd, addr_sa(a), a->len) < 0) {
			rc = -errno;
			err_fmt(err, errlen, "cannot bind %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
			goto out_close;
		}
		goto do_listen;
	}

	/* Bind under "<path>.<pid>.tmp", configure, listen, then rename over
	 * <path>: the path always designates a ready socket (the old one or
	 * the new one). When the temporary name does not fit in sun_path,
	 * the old file is removed and <path> bound directly.
	 */
	memset(&tmp, 0, sizeof(tmp));
	tmp.sun_family = AF_UNIX;
	n = snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%d.tmp", path, (int)getpid());
	if (n > 0 && (size_t)n < sizeof(tmp.sun_path)) {
		unlink(tmp.sun_path);
		if (bind(fd, (struct sockaddr *)&tmp, sizeof(tmp)) < 0) {
			rc = -errno;
			err_fmt(err, errlen, "cannot bind %s (as %s): %s", name, tmp.sun_path,
			         sock_strerror(-rc, ebuf, sizeof(ebuf)));
			goto out_close;
		}
		bound = tmp.sun_path;
	} else {
		if (unlink(path) < 0 && errno != ENOENT) {
			rc = -errno;
			err_fmt(err, errlen, "cannot remove the old socket %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
			goto out_close;
		}
		if (bind(fd, addr_sa(a), a->len) < 0) {
			rc = -errno;
			err_fmt(err, errlen, "cannot bind %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
			goto out_close;
		}
		bound = path;
	}

	rc = sock_unix_perms(bound, o);
	if (rc < 0) {
		err_fmt(err, errlen, "cannot set mode/owner of %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		goto out_unlink;
	}

do_listen:
	if (listen(fd, o->backlog > 0 ? o->backlog : SOCK_DEFAULT_BACKLOG) < 0) {
		rc = -errno;
		err_fmt(err, errlen, "cannot listen on %s: %s", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		goto out_unlink;
	}
	if (bound && bound != path && rename(bound, path) < 0) {
		rc = -errno;
		err_fmt(err, errlen, "cannot rename %s to %s: %s", bound, name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		goto out_unlink;
	}
	return fd;

out_unlink:
	if (bound)
		unlink(bound);
out_close:
	close(fd);
	return rc;
}

/* Checks and prepares an inherited listening socket fd@N. */
static int sock_listen_fd(const struct addr *a, const char *name, char *err, size_t errlen)
{
	char ebuf[128];
	int fd = a->fd;
	int type, acc, rc;

	if (fcntl(fd, F_GETFD) < 0) {
		rc = -errno;
		err_fmt(err, errlen, "cannot use %s: not an open file descriptor (%s)", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		return rc;
	}
	rc = sock_getint(fd, SOL_SOCKET, SO_TYPE, &type);
	if (rc < 0) {
		err_fmt(err, errlen, "cannot use %s: not a socket (%s)", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		return rc;
	}
	if (type != SOCK_STREAM) {
		err_fmt(err, errlen, "cannot use %s: not a stream socket, expected a listening TCP or unix stream socket", name);
		return -EPROTOTYPE;
	}
	rc = sock_getint(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc);
	if (rc < 0) {
		err_fmt(err, errlen, "cannot use %s: cannot tell whether it listens (%s)", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		return rc;
	}
	if (!acc) {
		err_fmt(err, errlen, "cannot use %s: the socket is not listening, expected a socket on which listen() was called", name);
		return -EINVAL;
	}
	rc = sock_set_nonblock(fd);
	if (rc == 0)
		rc = sock_set_cloexec(fd);
	if (rc < 0) {
		err_fmt(err, errlen, "cannot use %s: cannot make it non-blocking (%s)", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		return rc;
	}
	/* a duplicate: several binds may name the same fd@N (HAProxy lets
	 * them), each polling its own descriptor; N itself stays open
	 */
	rc = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (rc < 0) {
		rc = -errno;
		err_fmt(err, errlen, "cannot use %s: cannot duplicate it (%s)", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
	}
	return rc;
}

/* Sets the TCP MD5 key of <o> on the listening socket <fd> (or passes a
 * negative <fd> through), as HAProxy: for peers at the socket's own
 * address. Returns <fd>, or -errno with the socket closed.
 */
static int listen_md5sig(int fd, const struct sock_opts *o, const char *name, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ebuf[128];
	int rc;

	if (fd < 0 || !o->md5sig)
		return fd;
	rc = getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ? -errno :
	     sock_set_md5sig(fd, (const struct sockaddr *)&ss, o->md5sig);
	if (rc < 0) {
		err_fmt(err, errlen, "cannot set TCP MD5 signature on %s (%s)", name, sock_strerror(-rc, ebuf, sizeof(ebuf)));
		close(fd);
	}
	return rc < 0 ? rc : fd;
}

int sock_listen(const struct addr *a, const struct sock_opts *o, char *err, size_t errlen)
{
	const struct sock_opts defaults = SOCK_OPTS_INIT;
	char name[ADDR_STRLEN];

	if (err && errlen)
		*err = '\0';
	if (!o)
		o = &defaults;
	addr_format(a, name, sizeof(name));

	if (o->md5sig && a->kind != ADDR_INET && a->kind != ADDR_FD) {
		err_fmt(err, errlen, "cannot set a TCP MD5 signature on %s: not a TCP socket", name);
		return -EINVAL;
	}
	switch (a->kind) {
	case ADDR_INET:
		return listen_md5sig(sock_listen_inet(a, o, name, err, errlen), o, name, err, errlen);
	case ADDR_UNIX:
		return sock_listen_unix(a, o, name, err, errlen);
	case ADDR_FD:
		return listen_md5sig(sock_listen_fd(a, name, err, errlen), o, name, err, errlen);
	case ADDR_SOCKPAIR:
		err_fmt(err, errlen, "cannot listen on %s: receiving sockets over a socketpair is not supported", name);
		return -EOPNOTSUPP;
	case ADDR_NONE:
		break;
	}
	err_fmt(err, errlen, "cannot listen on an unset address");
	return -EINVAL;
}

int sock_accept(int lfd, struct sockaddr_storage *peer, socklen_t *len)
{
	socklen_t l = sizeof(*peer);
	int fd;

	fd = accept4(lfd, (struct sockaddr *)peer, peer ? &l : NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (peer)
		*len = l;
	return fd;
}

enum sock_accept_action sock_accept_classify(int err)
{
	switch (-err) {
	case EAGAIN:
		return SOCK_ACC_DONE;
	case EINTR:
	case ECONNABORTED:
	/* per accept(2): network errors of the new connection, retry */
	case EPROTO:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
	case EPERM:         /* refused by firewall rules */
		return SOCK_ACC_RETRY;
	case EMFILE:
		return SOCK_ACC_LIMIT_PROC;
	case ENFILE:
		return SOCK_ACC_LIMIT_SYS;
	case ENOBUFS:
	case ENOMEM:
		return SOCK_ACC_LIMIT_MEM;
	}
	return SOCK_ACC_FATAL;
}

int sock_set_md5sig(int fd, const struct sockaddr *peer, const char *key)
{
	struct tcp_md5sig md5;
	size_t klen = strlen(key);

	if (klen > TCP_MD5SIG_MAXKEYLEN || (peer->sa_family != AF_INET && peer->sa_family != AF_INET6))
		return -EINVAL;
	memset(&md5, 0, sizeof(md5));
	memcpy(&md5.tcpm_addr, peer,
	       peer->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	md5.tcpm_keylen = (uint16_t)klen;
	memcpy(md5.tcpm_key, key, klen);
	if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5)) < 0)
		return -errno;
	return 0;
}

int sock_md5sig_works(void)
{
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	ok = sock_set_md5sig(fd, (const struct sockaddr *)&lo, "foobar") == 0;
	close(fd);
	return ok;
}

/* sock_connect_md5() and sock_connect_probe(): with <delay_ack>, TCP_QUICKACK
 * is cleared before connect() on INET sockets; with <md5sig>, the segments
 * are signed (TCP MD5, INET only).
 */
int sock_set_transparent(int fd, int family)
{
	int rc;

	if (family == AF_INET6)
		rc = sock_setint(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, 1);
	else
		rc = sock_setint(fd, IPPROTO_IP, IP_TRANSPARENT, 1);
	/* without CAP_NET_ADMIN: a non-local address may still be bound */
	if (rc < 0 && sock_setint(fd, IPPROTO_IP, IP_FREEBIND, 1) == 0)
		return 0;
	return rc;
}

static int __sock_connect(const struct addr *dst, const struct addr *src, unsigned int flags,
                          const char *md5sig, int *fd)
{
	int s, rc;

	*fd = -1;
	if (dst->kind != ADDR_INET && dst->kind != ADDR_UNIX)
		return -EINVAL;
	if (src && (src->kind != ADDR_INET || dst->kind != ADDR_INET ||
	            src->ss.ss_family != dst->ss.ss_family))
		return -EINVAL;

	s = socket(dst->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;

	if (src) {
		/* a source that is not ours (usesrc): the kernel's TPROXY */
		if ((flags & SOCK_C_TRANSPARENT) && (rc = sock_set_transparent(s, src->ss.ss_family)) < 0)
			goto out_close;
		/* best effort: lets the port be chosen at connect(), per
		 * destination, instead of at bind(), per source
		 */
		if (!addr_port(src))
			sock_setint(s, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1);
		else
			sock_setint(s, SOL_SOCKET, SO_REUSEADDR, 1);
		if (bind(s, addr_sa(src), src->len) < 0) {
			rc = -errno;
			goto out_close;
		}
	}

	if (md5sig) {
		rc = dst->kind == ADDR_INET ? sock_set_md5sig(s, addr_sa(dst), md5sig) : -EINVAL;
		if (rc < 0)
			goto out_close;
	}
	/* best effort: a probe without the ACK still works, it is only seen */
	if ((flags & SOCK_C_DELAY_ACK) && dst->kind == ADDR_INET)
		sock_setint(s, IPPROTO_TCP, TCP_QUICKACK, 0);
	if (connect(s, addr_sa(dst), dst->len) == 0) {
		*fd = s;
		return 0;
	}
	rc = -errno;
	/* EINTR: the connection goes on asynchronously, like EINPROGRESS */
	if (rc == -EINPROGRESS || rc == -EINTR) {
		*fd = s;
		return -EINPROGRESS;
	}
out_close:
	close(s);
	return rc;
}

int sock_connect(const struct addr *dst, const struct addr *src, int *fd)
{
	return __sock_connect(dst, src, 0, NULL, fd);
}

int sock_connect_md5(const struct addr *dst, const struct addr *src, const char *md5sig, int *fd)
{
	return __sock_connect(dst, src, 0, md5sig, fd);
}

int sock_connect_src(const struct addr *dst, const struct addr *src, unsigned int flags,
                     const char *md5sig, int *fd)
{
	return __sock_connect(dst, src, flags & SOCK_C_TRANSPARENT, md5sig, fd);
}

int sock_connect_probe(const struct addr *dst, const struct addr *src, const char *md5sig, int *fd)
{
	return __sock_connect(dst, src, SOCK_C_DELAY_ACK, md5sig, fd);
}

int sock_get_error(int fd)
{
	int e, rc;

	rc = sock_getint(fd, SOL_SOCKET, SO_ERROR, &e);
	if (rc < 0)
		return rc;
	return -e;
}

int sock_sender_events(int fd, unsigned int events, int *connected)
{
	char junk[512];
	ssize_t r;

	if (!*connected && (events & (FD_EV_OUT | FD_EV_ERR | FD_EV_HUP))) {
		if (sock_get_error(fd) || (events & (FD_EV_ERR | FD_EV_HUP)))
			return -1;
		*connected = 1;
	}
	if (events & FD_EV_IN) {
		while ((r = recv(fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0)
			;
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
	}
	return events & (FD_EV_ERR | FD_EV_HUP) ? -1 : 0;
}

int sock_set_nodelay(int fd, int on)
{
	return sock_setint(fd, IPPROTO_TCP, TCP_NODELAY, !!on);
}

int sock_set_nolinger(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0 ? -errno : 0;
}

void sock_silent_drop(int fd, int rst_ttl)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int proto = 0;
	socklen_t plen = sizeof(proto);

	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) < 0 || proto != IPPROTO_TCP ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	/* no ACK of the last bytes either: the peer learns nothing new */
	sock_setint(fd, IPPROTO_TCP, TCP_QUICKACK, 0);
	if (!rst_ttl && sock_setint(fd, IPPROTO_TCP, TCP_REPAIR, 1) == 0)
		return;
	if (ss.ss_family == AF_INET6)
		sock_setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, rst_ttl ? rst_ttl : 1);
	else
		sock_setint(fd, IPPROTO_IP, IP_TTL, rst_ttl ? rst_ttl : 1);
	sock_set_nolinger(fd);
}

int sock_set_keepalive(int fd, int on, int idle_s, int intvl_s, int cnt)
{
	int rc;

	rc = sock_setint(fd, SOL_SOCKET, SO_KEEPALIVE, !!on);
	if (rc < 0 || !on)
		return rc;
	if (idle_s > 0 && (rc = sock_setint(fd, IPPROTO_TCP, TCP_KEEPIDLE, idle_s)) < 0)
		return rc;
	if (intvl_s > 0 && (rc = sock_setint(fd, IPPROTO_TCP, TCP_KEEPINTVL, intvl_s)) < 0)
		return rc;
	if (cnt > 0 && (rc = sock_setint(fd, IPPROTO_TCP, TCP_KEEPCNT, cnt)) < 0)
		return rc;
	return 0;
}

int sock_get_name(int fd, struct addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	return addr_from_sa(a, (struct sockaddr *)&ss, len);
}

int sock_get_peer(int fd, struct addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	return addr_from_sa(a, (struct sockaddr *)&ss, len);
}
