/*
 * Sockets: listening sockets, accept, non-blocking connect, options.
 *
 * Principle:
 *  - Thin wrappers over system calls. Every function returns an fd (>= 0),
 *    0 for success, or -errno; none prints, none allocates, none blocks
 *    (sock_listen() may briefly connect() to a unix path to tell a stale
 *    socket file from a live one: configuration time only).
 *  - Every socket created or accepted here is non-blocking and close-on-exec.
 *  - An fd returned belongs to the caller (who closes it, or registers it in
 *    the fd table and later fd_delete()s it). No state is kept here: every
 *    function is thread-safe as far as the fds it is given are.
 *  - Listeners: one SO_REUSEPORT socket per worker thread for INET addresses
 *    (call sock_listen() once per thread with SOCK_O_REUSEPORT: the kernel
 *    spreads connections). A unix socket or an inherited fd@N is a single
 *    socket: the listener layer shares that one fd between threads.
 *  - sock_listen() is for configuration time and start-up; sock_accept(),
 *    sock_connect() and the setters are for worker threads.
 *
 * Costs: one system call per function (sock_listen(): a handful).
 */
#ifndef TOLLGATE_SOCK_H
#define TOLLGATE_SOCK_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <tollgate/addr.h>

/* Options of sock_listen() (struct sock_opts.flags). */
#define SOCK_O_REUSEPORT  0x0001U  /* SO_REUSEPORT: several sockets (one per
                                    * thread) bind the same INET address */
#define SOCK_O_V6ONLY     0x0002U  /* IPv6: accept IPv6 only (`v6only`) */
#define SOCK_O_V4V6       0x0004U  /* IPv6: accept IPv4 too (`v4v6`); neither
                                    * flag: the system default */
#define SOCK_O_MODE       0x0008U  /* unix: chmod the socket to <mode> */
#define SOCK_O_REPLACE    0x0010U  /* unix: replace a live socket at the path
                                    * (reload); default: refuse with
                                    * -EADDRINUSE, replace only stale ones */
#define SOCK_O_TRANSPARENT 0x0020U /* INET: sock_set_transparent()
                                    * (`transparent`): bind an address that
                                    * is not local and accept connections
                                    * the kernel's TPROXY redirects */
#define SOCK_O_DEFER_ACCEPT 0x0040U /* TCP_DEFER_ACCEPT: accept once data came
                                    * (`defer-accept`) */

/* Flags of sock_connect_src(). */
#define SOCK_C_TRANSPARENT 0x0001U /* sock_set_transparent() before binding
                                    * <src>: an address not ours (`usesrc`) */
#define SOCK_C_DELAY_ACK   0x0002U /* internal: sock_connect_probe() */

/* Default listen() backlog when sock_opts.backlog is 0. */
#define SOCK_DEFAULT_BACKLOG 1024

/* Size of a buffer for sock_listen()'s error message. */
#define SOCK_ERRLEN       256

/* Options of a listening socket, from the `bind` line. user/group names are
 * resolved to ids by the configuration parser (getpwnam() at configuration
 * time), never here. Start from SOCK_OPTS_INIT: a zeroed struct means uid 0
 * and gid 0, i.e. "chown the unix socket to root".
 */
struct sock_opts {
	int backlog;        /* listen() backlog, 0: SOCK_DEFAULT_BACKLOG */
	unsigned int flags; /* SOCK_O_* */
	mode_t mode;        /* unix: permissions when SOCK_O_MODE (`mode`) */
	uid_t uid;          /* unix: owner, (uid_t)-1 to keep (`uid`, `user`) */
	gid_t gid;          /* unix: group, (gid_t)-1 to keep (`gid`, `group`) */
	const char *md5sig; /* TCP MD5 signature key (`tcp-md5sig`), NULL: none;
	                     * the caller's */
	int mss;            /* TCP_MAXSEG advertised (`mss`), 0: the system's */
};

/* Default options: system backlog default, no flag, owner unchanged. */
#define SOCK_OPTS_INIT ((struct sock_opts){ .backlog = 0, .flags = 0, .mode = 0, \
                                            .uid = (uid_t)-1, .gid = (gid_t)-1, .md5sig = NULL, \
                                            .mss = 0 })

/* What a caller of sock_accept() should do after an error (-errno). */
enum sock_accept_action {
	SOCK_ACC_DONE = 0,     /* -EAGAIN: queue empty, wait for the next event */
	SOCK_ACC_RETRY,        /* -EINTR, -ECONNABORTED and per-connection network
	                        * errors (man accept4): accept again at once */
	SOCK_ACC_LIMIT_PROC,   /* -EMFILE: process fd limit; pause the listener
	                        * until this process closes an fd */
	SOCK_ACC_LIMIT_SYS,    /* -ENFILE: system-wide fd limit; pause, retry
	                        * after a delay */
	SOCK_ACC_LIMIT_MEM,    /* -ENOBUFS, -ENOMEM: kernel memory; pause, retry
	                        * after a delay */
	SOCK_ACC_FATAL,        /* anything else (-EBADF, -EINVAL...): the
	                        * listener is broken; disable it */
};

/* Creates a listening socket for <a> with options <o> (NULL: defaults),
 * non-blocking and close-on-exec:
 *  - INET: SO_REUSEADDR always, SO_REUSEPORT with SOCK_O_REUSEPORT,
 *    IPV6_V6ONLY per SOCK_O_V6ONLY/V4V6, bind(), listen(backlog). Port 0
 *    binds an ephemeral port (sock_get_name() tells which).
 *  - UNIX (path): a stale socket file (nobody accepts on it) is replaced, a
 *    live one only with SOCK_O_REPLACE, anything that is not a socket never.
 *    The socket is bound under a temporary name, given <mode>/<uid>/<gid>,
 *    put in listening state, then renamed over the path: the path never
 *    points to a half-configured socket or to nothing. Abstract names
 *    (abns@) skip the file steps.
 *  - FD (fd@N): no new socket; N must be a stream socket in listening
 *    state (SO_TYPE, SO_ACCEPTCONN); it is made non-blocking and
 *    close-on-exec, and a duplicate is returned (the caller owns it; N
 *    stays open, so several binds may name the same fd@N). Other options
 *    are ignored: the socket was configured by whoever created it.
 *  - SOCKPAIR: refused (-EOPNOTSUPP): receiving fds is not implemented.
 * Returns the fd, or -errno with a one-line message in <err> (<errlen>
 * bytes, SOCK_ERRLEN is enough; may be NULL) naming the address and the
 * step that failed, e.g. "cannot bind 127.0.0.1:80: Address already in use".
 * Nothing is left behind on failure (an inherited fd is left open).
 */
int sock_listen(const struct addr *a, const struct sock_opts *o, char *err, size_t errlen);

/* Accepts one connection on listening socket <lfd>: accept4() with
 * SOCK_NONBLOCK | SOCK_CLOEXEC. The peer's address goes to <peer> and its
 * length to <*len> when <peer> is not NULL (<len> must then be non-NULL; it
 * is set, not read). Returns the new fd or -errno, untouched (-EAGAIN,
 * -EINTR, -ECONNABORTED, -EMFILE, -ENFILE, -ENOBUFS, -ENOMEM...): see
 * sock_accept_classify() for what to do with it.
 */
int sock_accept(int lfd, struct sockaddr_storage *peer, socklen_t *len);

/* Tells what to do after sock_accept() returned <err> (< 0). */
enum sock_accept_action sock_accept_classify(int err);

/* Opens a non-blocking, close-on-exec stream socket for <dst> (INET or
 * UNIX), binds it to <src> if not NULL (INET, same family; with port 0 the
 * kernel picks the port at connect time, IP_BIND_ADDRESS_NO_PORT, so that
 * many connections from one source address do not exhaust ports), and
 * starts connect(). On return 0 or -EINPROGRESS <*fd> holds the socket:
 *  - 0: connected already (typical for unix sockets);
 *  - -EINPROGRESS: wait for writability, then call sock_get_error().
 * Any other return is -errno and <*fd> is -1 (socket closed): notably
 * -ECONNREFUSED, -EAGAIN (unix backlog full), -EADDRNOTAVAIL (no source
 * port left), -EMFILE/-ENFILE, -EAFNOSUPPORT, -EINVAL (bad address kind).
 */
int sock_connect(const struct addr *dst, const struct addr *src, int *fd);

/* sock_connect() whose segments are signed with the TCP MD5 key <md5sig>
 * (RFC 2385, Linux TCP_MD5SIG; `tcp-md5sig` on a server) when not NULL.
 * Returns as sock_connect(), -EINVAL too when <md5sig> is set for a unix
 * address or is longer than TCP_MD5SIG_MAXKEYLEN.
 */
int sock_connect_md5(const struct addr *dst, const struct addr *src, const char *md5sig, int *fd);

/* sock_connect_md5() whose <src> (not NULL) is bound after
 * sock_set_transparent() when <flags> holds SOCK_C_TRANSPARENT (HAProxy's
 * `usesrc`: the client's address or another one not local to this host).
 * Returns as sock_connect(), -EPERM too where the kernel refuses both ways.
 */
int sock_connect_src(const struct addr *dst, const struct addr *src, unsigned int flags,
                     const char *md5sig, int *fd);

/* Lets <fd> bind an address that is not local, as HAProxy does: sets
 * IP_TRANSPARENT (IPV6_TRANSPARENT for <family> AF_INET6; needs
 * CAP_NET_ADMIN, and makes the kernel's TPROXY deliver the replies), else
 * IP_FREEBIND (unprivileged: the bind works, replies to an address that is
 * not local only come back where the routing brings them). Returns 0 or
 * -errno of IP_TRANSPARENT when neither is taken.
 */
int sock_set_transparent(int fd, int family);

/* Sets the TCP MD5 key <key> (NUL-terminated, at most TCP_MD5SIG_MAXKEYLEN
 * bytes) of socket <fd> for the peer address <peer> (AF_INET or AF_INET6).
 * Returns 0 or -errno (-EINVAL for a long key or another family).
 */
int sock_set_md5sig(int fd, const struct sockaddr *peer, const char *key);

/* Returns 1 if this kernel accepts TCP MD5 keys (HAProxy's
 * HAVE_WORKING_TCP_MD5SIG), else 0. Opens and closes a socket.
 */
int sock_md5sig_works(void);

/* sock_connect() for a health check that sends nothing (HAProxy's plain
 * connect check): TCP_QUICKACK is cleared first, so the last ACK of the
 * handshake waits for data that never comes, and the caller closes with
 * sock_set_nolinger() (a reset) once connected. The server's kernel thus
 * keeps the connection half-open and drops it on the reset: a server that
 * stops accepting never has its accept queue filled by checks, which stay
 * successful as in HAProxy. <src> (NULL: the kernel's choice) and <md5sig>
 * as sock_connect_md5(). Returns as sock_connect().
 */
int sock_connect_probe(const struct addr *dst, const struct addr *src, const char *md5sig, int *fd);

/* Returns 0 if socket <fd> has no pending error, or -errno of the pending
 * one (SO_ERROR, which reading clears), e.g. -ECONNREFUSED after a failed
 * non-blocking connect; or -errno of getsockopt() itself.
 */
int sock_get_error(int fd);

/* For a connection we only write to (a syslog server says nothing): takes
 * the fd events <events> of <fd>, sets *<connected> once a non-blocking
 * connect() completed, and reads and forgets what the peer sends. Returns
 * 0, or -1 when the connection failed or the peer closed it (the caller
 * closes it).
 */
int sock_sender_events(int fd, unsigned int events, int *connected);

/* Sets TCP_NODELAY on <fd> if <on>, clears it otherwise. 0 or -errno. */
int sock_set_nodelay(int fd, int on);

/* Makes the next close() of <fd> abortive (SO_LINGER with a zero delay):
 * the kernel sends a reset and keeps no TIME_WAIT state. Only for a
 * connection with nothing in flight that we close first, whose port would
 * otherwise stay in TIME_WAIT for a minute: a proxy closing one server
 * connection per request runs out of source ports (HAProxy does the same
 * on its server side). 0 or -errno.
 */
int sock_set_nolinger(int fd);

/* Makes the coming close of the TCP socket <fd> invisible to its peer
 * (`silent-drop`): with <rst_ttl> 0, TCP_REPAIR first, so that close()
 * sends neither FIN nor RST and the client keeps waiting on a connection
 * that no longer exists; where the kernel refuses it (no CAP_NET_ADMIN),
 * or with <rst_ttl> > 0, the close sends a RST whose IP TTL (hop limit)
 * is <rst_ttl> (1 by default), meant to die before reaching the client.
 * Best effort: a socket that is not TCP is left as it is.
 */
void sock_silent_drop(int fd, int rst_ttl);

/* Enables (SO_KEEPALIVE) or disables TCP keepalive on <fd>. When enabling,
 * <idle_s> (TCP_KEEPIDLE), <intvl_s> (TCP_KEEPINTVL) and <cnt>
 * (TCP_KEEPCNT) are set when > 0, system defaults kept otherwise. 0 or
 * -errno. (`option clitcpka`, `srvtcpka`, `clitcpka-idle`...)
 */
int sock_set_keepalive(int fd, int on, int idle_s, int intvl_s, int cnt);

/* Makes <fd> non-blocking. 0 or -errno. */
int sock_set_nonblock(int fd);

/* Stores the local (sock_get_name()) or remote (sock_get_peer()) address of
 * socket <fd> into <a>. 0 or -errno (-EINVAL for an unsupported family).
 */
int sock_get_name(int fd, struct addr *a);
int sock_get_peer(int fd, struct addr *a);

#endif /* TOLLGATE_SOCK_H */
