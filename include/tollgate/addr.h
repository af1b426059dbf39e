/*
 * Network addresses: parsing HAProxy's address syntax, formatting for logs,
 * comparing.
 *
 * Principle:
 *  - A `struct addr` is a plain value (no pointer, no resource): copy it with
 *    `=`, keep it in configuration structs, compare it with addr_cmp(). It
 *    holds a socket address (IPv4, IPv6, unix path or abstract name) or the
 *    number of an inherited file descriptor (`fd@N`, `sockpair@N`).
 *  - addr_parse() is a configuration-time function: host names are resolved
 *    there, with getaddrinfo(), which may block on DNS. Worker threads never
 *    call it with a name (core-principles.md, "no blocking call in a
 *    worker"); at run time they only format and compare addresses, which
 *    neither block nor allocate.
 *  - Every function here is reentrant and thread-safe: no global state.
 *
 * Syntax accepted by addr_parse() (HAProxy's `bind` and `server` address):
 *
 *   1.2.3.4:80  host:80  [::1]:80  ::1:80 (last colon = port; prefer [])
 *   *:80  :80  (any IPv4 address)      [::]:80  (any IPv6 address)
 *   ipv4@<host>:<port>  ipv6@<host>:<port>  (force the family)
 *   unix@/path  /path  (unix socket path)   abns@name (abstract namespace)
 *   fd@N  (inherited listening socket)      sockpair@N (socketpair fd)
 *
 * Environment variables (`$NAME`, `${NAME}`) are expanded in the whole
 * address, quoted or not, unset ones as empty strings (HAProxy's
 * str2sa_range()): `${X}:${Y}` with both unset is `:`, any address, no port.
 *
 * Ports are 1..65535. Port ranges (`80-90`) and server port offsets
 * (`+1`/`-1`) are not supported and are refused with a message.
 *
 * Costs: parse O(length) plus a DNS lookup for names; format and compare
 * O(1) (unix paths O(path length)).
 */
#ifndef TOLLGATE_ADDR_H
#define TOLLGATE_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

/* What an address designates. */
enum addr_kind {
	ADDR_NONE = 0,          /* unset (a zeroed struct addr) */
	ADDR_INET,              /* IPv4 or IPv6 socket address, in <ss> */
	ADDR_UNIX,              /* unix socket path or abstract name, in <ss> */
	ADDR_FD,                /* inherited socket `fd@N`, in <fd> */
	ADDR_SOCKPAIR,          /* socketpair `sockpair@N` to receive fds, in <fd> */
};

/* Flags describing a parsed address (struct addr.flags). */
#define ADDR_F_ANY        0x0001U  /* host was `*` or empty: wildcard address */
#define ADDR_F_NO_PORT    0x0002U  /* no port given (ADDR_P_PORT_OPTIONAL) */
#define ADDR_F_ABSTRACT   0x0004U  /* unix: abstract namespace (abns@) */
#define ADDR_F_RESOLVED   0x0008U  /* host was a name resolved by getaddrinfo() */
#define ADDR_F_NAME       0x0010U  /* host is a name left unresolved (addr_parse_name()) */

/* Flags for addr_parse(). */
#define ADDR_P_PORT_OPTIONAL 0x0001U /* port may be omitted (servers) */
#define ADDR_P_NO_RESOLVE    0x0002U /* refuse host names: numeric only */
#define ADDR_P_NO_UNIX       0x0004U /* refuse unix@, abns@ and paths */
#define ADDR_P_NO_FD         0x0008U /* refuse fd@ and sockpair@ */

/* Size of a buffer that always holds addr_format()'s output: "unix@" or
 * "abns@" plus a full sun_path, or "[" IPv6 "]:" port, plus NUL.
 */
#define ADDR_STRLEN       (6 + sizeof(((struct sockaddr_un *)0)->sun_path) + 1)

/* Size of a buffer for addr_parse()'s error message. */
#define ADDR_ERRLEN       256

struct addr {
	struct sockaddr_storage ss;  /* socket address (INET, UNIX), port in
	                              * network order; zeroed for FD kinds */
	socklen_t len;               /* meaningful bytes of <ss>, 0 for FD kinds */
	enum addr_kind kind;         /* what this address designates */
	int fd;                      /* FD and SOCKPAIR kinds: the fd, else -1 */
	unsigned int flags;          /* ADDR_F_* */
};

/* Parses <str> into <a> according to <flags> (ADDR_P_*). Host names are
 * resolved here with getaddrinfo() (configuration time only, it may block):
 * without a family prefix the first IPv4 result is taken, else the first
 * IPv6 one. Returns 0 on success; on failure returns -EINVAL (syntax) or
 * -ENOENT (name not resolved), leaves <a> unset (kind ADDR_NONE), and writes
 * a one-line message naming the bad part and what was expected into <err>
 * (<errlen> bytes, ADDR_ERRLEN is enough; <err> may be NULL). The caller
 * adds file:line and the keyword.
 */
int addr_parse(const char *str, unsigned int flags, struct addr *a, char *err, size_t errlen);

/* Same as addr_parse(), except that a host name is not resolved: it is
 * copied to <name> (<namelen> bytes; "" for a numeric address) and <a> gets
 * the wildcard address of its family (IPv4 unless ipv6@), the port, and the
 * flags ADDR_F_ANY | ADDR_F_NAME. For servers, whose names are resolved
 * once their `init-addr` and `resolvers` are known (resolvers.h).
 */
int addr_parse_name(const char *str, unsigned int flags, struct addr *a, char *name, size_t namelen,
                    char *err, size_t errlen);

/* Copies <in> to <out> (<outlen> bytes) with its environment variables
 * expanded as HAProxy does in addresses: `$NAME` or `${NAME}` (letters,
 * digits, `_`) is replaced by the variable's value, or by nothing when it is
 * unset. Returns the length written, or -ENAMETOOLONG when <out> is too
 * small. Configuration time only (getenv()).
 */
int addr_env_expand(const char *in, char *out, size_t outlen);

/* Fills <a> from the socket address <sa> of <len> bytes (AF_INET, AF_INET6,
 * AF_UNIX), e.g. a peer returned by sock_accept(). Returns 0, or -EINVAL for
 * another family or a bad length (then <a> is unset).
 */
int addr_from_sa(struct addr *a, const struct sockaddr *sa, socklen_t len);

/* Writes <a> as text into <buf> of <size> bytes: `127.0.0.1:8080`,
 * `[::1]:80` (`127.0.0.1` / `[::1]` when ADDR_F_NO_PORT), `unix@/path`,
 * `abns@name`, `fd@3`, `sockpair@4`, `-` for ADDR_NONE. Always
 * NUL-terminates when <size> > 0. Returns the length of the full text (like
 * snprintf(): >= <size> means truncated). Never allocates or blocks.
 */
int addr_format(const struct addr *a, char *buf, size_t size);

/* Same as addr_format() for a raw socket address <sa> of <len> bytes. An
 * unknown family is written as `?`.
 */
int addr_format_sa(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* Total order over addresses: by kind, then family, then address bytes, then
 * port (then fd for FD kinds, path for unix). Returns <0, 0 or >0. Two
 * addresses are equal iff addr_cmp() returns 0. An IPv4-mapped IPv6 address
 * (::ffff:1.2.3.4) differs from the IPv4 one: see addr_unmap_v4().
 */
int addr_cmp(const struct addr *a, const struct addr *b);

/* Compares the hosts only (ignores ports and flags) of two INET addresses
 * or two UNIX ones. Returns <0, 0 or >0 like addr_cmp().
 */
int addr_cmp_host(const struct addr *a, const struct addr *b);

/* If <a> is an IPv4-mapped IPv6 address (as seen on a v4v6 socket), turns
 * it into the plain IPv4 address with the same port. Returns 1 if converted,
 * 0 otherwise.
 */
int addr_unmap_v4(struct addr *a);

/* Returns the port of an INET address in host order, 0 for other kinds or
 * when none was given.
 */
static inline unsigned int addr_port(const struct addr *a)
{
	if (a->kind != ADDR_INET)
		return 0;
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

/* Sets the port (host order, 0..65535) of an INET address; clears
 * ADDR_F_NO_PORT when non-zero. Does nothing for other kinds.
 */
static inline void addr_set_port(struct addr *a, unsigned int port)
{
	if (a->kind != ADDR_INET)
		return;
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons((uint16_t)port);
	if (port)
		a->flags &= ~ADDR_F_NO_PORT;
}

/* Returns the socket address of <a> (INET and UNIX kinds). */
static inline const struct sockaddr *addr_sa(const struct addr *a)
{
	return (const struct sockaddr *)&a->ss;
}

#endif /* TOLLGATE_ADDR_H */
