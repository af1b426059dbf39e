/*
 * Network addresses: parsing, formatting, comparing. See addr.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/errmsg.h>
#include <tollgate/addr.h>
#include <tollgate/compiler.h>

#define SUN_PATH_MAX  (sizeof(((struct sockaddr_un *)0)->sun_path))

/* Address prefixes: <name> (with its '@'), the kind it selects and, for
 * INET, the forced family (AF_UNSPEC: any). tcp@/tcp4@/tcp6@/uxst@ are
 * HAProxy's explicit aliases of the defaults.
 */
struct addr_prefix {
	const char *name;        /* prefix including '@' */
	enum addr_kind kind;     /* kind it selects */
	int family;              /* INET: forced family, else AF_UNSPEC */
	unsigned int abstract;   /* UNIX: abstract namespace */
};

static const struct addr_prefix addr_prefixes[] = {
	{ "ipv4@",     ADDR_INET,     AF_INET,   0 },
	{ "ipv6@",     ADDR_INET,     AF_INET6,  0 },
	{ "tcp@",      ADDR_INET,     AF_UNSPEC, 0 },
	{ "tcp4@",     ADDR_INET,     AF_INET,   0 },
	{ "tcp6@",     ADDR_INET,     AF_INET6,  0 },
	{ "unix@",     ADDR_UNIX,     AF_UNSPEC, 0 },
	{ "uxst@",     ADDR_UNIX,     AF_UNSPEC, 0 },
	{ "abns@",     ADDR_UNIX,     AF_UNSPEC, 1 },
	{ "fd@",       ADDR_FD,       AF_UNSPEC, 0 },
	{ "sockpair@", ADDR_SOCKPAIR, AF_UNSPEC, 0 },
};

/* What a bare path ("/run/lb.sock") means: unix@. */
static const struct addr_prefix addr_path_prefix = { "unix@", ADDR_UNIX, AF_UNSPEC, 0 };

/* HAProxy prefixes for datagram or QUIC sockets, which Tollgate lacks. */
static const char *const addr_dgram_prefixes[] = {
	"udp@", "udp4@", "udp6@", "uxdg@", "quic4@", "quic6@", "abnsz@",
};


/* Parses the decimal number in [<s>, <s> + <len>) into <v>, refusing signs,
 * empty strings and values above <max>. Returns 0 or -EINVAL.
 */
static int addr_parse_uint(const char *s, size_t len, unsigned long max, unsigned long *v)
{
	unsigned long n = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		n = n * 10 + (unsigned long)(s[i] - '0');
		if (n > max)
			return -EINVAL;
	}
	*v = n;
	return 0;
}

/* Parses the port text <port> (NUL-terminated) of address <str> into <out>
 * (host order). Returns 0, or -EINVAL with a message.
 */
static int addr_parse_port(const char *str, const char *port, unsigned int *out,
                           char *err, size_t errlen)
{
	unsigned long v;

	if (!*port) {
		err_fmt(err, errlen, "missing port after ':' in '%s', expected a number from 1 to 65535", str);
		return -EINVAL;
	}
	if (*port == '+' || *port == '-') {
		err_fmt(err, errlen, "port offset '%s' in '%s' is not supported, expected a number from 1 to 65535", port, str);
		return -EINVAL;
	}
	if (strchr(port, '-') && isdigit((unsigned char)*port)) {
		err_fmt(err, errlen, "port range '%s' in '%s' is not supported, expected a single port from 1 to 65535", port, str);
		return -EINVAL;
	}
	if (addr_parse_uint(port, strlen(port), 65535, &v) < 0 || v == 0) {
		err_fmt(err, errlen, "invalid port '%s' in '%s', expected a number from 1 to 65535", port, str);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

/* Returns 1 if <host> is made of digits and dots only (an IPv4 attempt). */
static int addr_looks_ipv4(const char *host)
{
	for (; *host; host++)
		if (!isdigit((unsigned char)*host) && *host != '.')
			return 0;
	return 1;
}

/* Returns 1 if <host> is a syntactically acceptable host name. */
static int addr_valid_hostname(const char *host)
{
	size_t len = strlen(host);

	if (!len || len > 253 || *host == '-' || *host == '.')
		return 0;
	for (; *host; host++)
		if (!isalnum((unsigned char)*host) && *host != '-' && *host != '.' && *host != '_')
			return 0;
	return 1;
}

/* Sets <a> to the wildcard address of IPv6 (<v6>) or IPv4, flag ADDR_F_ANY. */
static void set_wildcard(struct addr *a, int v6)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

	a->flags |= ADDR_F_ANY;
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		a->len = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		a->len = sizeof(*sin);
	}
}

/* Resolves the host part <host> of address <str> for <family> (AF_UNSPEC:
 * IPv4 preferred, else IPv6) into <a>'s <ss> (port left 0). Returns 0,
 * -EINVAL or -ENOENT with a message.
 */
static int addr_resolve_host(const char *str, const char *host, int family, int brackets,
                             unsigned int flags, struct addr *a, char *name, size_t namelen,
                             char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	struct addrinfo hints, *res = NULL, *ai, *pick4 = NULL, *pick6 = NULL, *pick;
	int rc;

	if (!*host || strcmp(host, "*") == 0) {
		/* wildcard: IPv4 unless IPv6 was asked for */
		set_wildcard(a, family == AF_INET6 || brackets);
		return 0;
	}

	if (family != AF_INET6 && !brackets && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		a->len = sizeof(*sin);
		return 0;
	}
	if (family != AF_INET && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		a->len = sizeof(*sin6);
		return 0;
	}

	/* not a literal of the wanted family */
	if (family == AF_INET && strchr(host, ':')) {
		err_fmt(err, errlen, "'%s' in '%s' is not an IPv4 address, expected an IPv4 address after ipv4@", host, str);
		return -EINVAL;
	}
	if (brackets || strchr(host, ':')) {
		err_fmt(err, errlen, "invalid IPv6 address '%s' in '%s', expected an IPv6 address like [2001:db8::1]", host, str);
		return -EINVAL;
	}
	if (addr_looks_ipv4(host)) {
		if (family == AF_INET6)
			err_fmt(err, errlen, "'%s' in '%s' is not an IPv6 address, expected an IPv6 address after ipv6@", host, str);
		else
			err_fmt(err, errlen, "invalid IPv4 address '%s' in '%s', expected four numbers from 0 to 255 like 192.0.2.1", host, str);
		return -EINVAL;
	}
	if (flags & ADDR_P_NO_RESOLVE) {
		err_fmt(err, errlen, "'%s' in '%s' is not a numeric address, expected an IPv4 or IPv6 address (host names are not allowed here)", host, str);
		return -EINVAL;
	}
	if (!addr_valid_hostname(host)) {
		err_fmt(err, errlen, "invalid host name '%s' in '%s', expected an IP address or a host name", host, str);
		return -EINVAL;
	}

	if (name) {
		/* addr_parse_name(): the caller resolves it later */
		if (strlen(host) >= namelen) {
			err_fmt(err, errlen, "host name too long in '%s'", str);
			return -EINVAL;
		}
		strcpy(name, host);
		set_wildcard(a, family == AF_INET6);
		a->flags |= ADDR_F_NAME;
		return 0;
	}

	/* Configuration time only: getaddrinfo() may block on DNS. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		err_fmt(err, errlen, "could not resolve host name '%s' in '%s': %s", host, str, gai_strerror(rc));
		return -ENOENT;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && !pick4 && ai->ai_addrlen == sizeof(*sin))
			pick4 = ai;
		else if (ai->ai_family == AF_INET6 && !pick6 && ai->ai_addrlen == sizeof(*sin6))
			pick6 = ai;
	}
	pick = pick4 ? pick4 : pick6;
	if (!pick) {
		freeaddrinfo(res);
		err_fmt(err, errlen, "host name '%s' in '%s' has no IPv4 or IPv6 address", host, str);
		return -ENOENT;
	}
	memcpy(&a->ss, pick->ai_addr, pick->ai_addrlen);
	a->len = pick->ai_addrlen;
	a->flags |= ADDR_F_RESOLVED;
	freeaddrinfo(res);
	/* the port comes from the text, not from the resolver */
	if (a->ss.ss_family == AF_INET)
		sin->sin_port = 0;
	else
		sin6->sin6_port = 0;
	return 0;
}

/* Parses the INET part <s> (after any prefix) of address <str>. */
static int addr_parse_inet(const char *str, const char *s, int family, unsigned int flags,
                           struct addr *a, char *name, size_t namelen, char *err, size_t errlen)
{
	char host[256];
	const char *port = NULL;
	const char *colon;
	unsigned int portnum = 0;
	size_t hlen;
	int brackets = 0;
	int rc;

	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (!end) {
			err_fmt(err, errlen, "missing ']' after IPv6 address in '%s', expected [<ipv6>]:<port>", str);
			return -EINVAL;
		}
		if (family == AF_INET) {
			err_fmt(err, errlen, "bracketed IPv6 address in '%s' after ipv4@, expected an IPv4 address", str);
			return -EINVAL;
		}
		brackets = 1;
		hlen = (size_t)(end - s - 1);
		if (hlen == 0) {
			err_fmt(err, errlen, "empty IPv6 address '[]' in '%s', expected [<ipv6>]:<port>", str);
			return -EINVAL;
		}
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0') {
			err_fmt(err, errlen, "unexpected '%s' after ']' in '%s', expected ':<port>'", end + 1, str);
			return -EINVAL;
		}
		s++;
	} else {
		colon = strrchr(s, ':');
		hlen = colon ? (size_t)(colon - s) : strlen(s);
		if (colon)
			port = colon + 1;
		/* An unbracketed IPv6 address without port ("fe80::1") when
		 * splitting at the last colon gives no valid address: take it
		 * whole. HAProxy splits at the last colon; brackets are clearer.
		 */
		if (colon && memchr(s, ':', hlen) && family != AF_INET) {
			struct in6_addr tmp;
			char whole[256];

			if (hlen < sizeof(host)) {
				memcpy(host, s, hlen);
				host[hlen] = '\0';
			}
			if (strlen(s) < sizeof(whole)) {
				strcpy(whole, s);
				if ((hlen >= sizeof(host) || inet_pton(AF_INET6, host, &tmp) != 1) &&
				    inet_pton(AF_INET6, whole, &tmp) == 1) {
					hlen = strlen(s);
					port = NULL;
				}
			}
		}
	}

	if (hlen >= sizeof(host)) {
		err_fmt(err, errlen, "host name too long in '%s', expected at most %zu characters", str, sizeof(host) - 1);
		return -EINVAL;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';

	/* "host:" is "host" where a port is optional, as in HAProxy */
	if (port && !*port && (flags & ADDR_P_PORT_OPTIONAL))
		port = NULL;
	if (port) {
		rc = addr_parse_port(str, port, &portnum, err, errlen);
		if (rc < 0)
			return rc;
	} else if (!(flags & ADDR_P_PORT_OPTIONAL)) {
		err_fmt(err, errlen, "missing port in '%s', expected <address>:<port>", str);
		return -EINVAL;
	}

	rc = addr_resolve_host(str, host, family, brackets, flags, a, name, namelen, err, errlen);
	if (rc < 0)
		return rc;
	a->kind = ADDR_INET;
	addr_set_port(a, portnum);
	if (!port)
		a->flags |= ADDR_F_NO_PORT;
	return 0;
}

/* Parses the unix path or abstract name <s> of address <str>. */
static int addr_parse_unix(const char *str, const char *s, int abstract,
                           struct addr *a, char *err, size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;
	size_t len = strlen(s);

	if (!len) {
		err_fmt(err, errlen, "empty socket %s in '%s', expected %s", abstract ? "name" : "path",
		         str, abstract ? "abns@<name>" : "unix@<path>");
		return -EINVAL;
	}
	/* a path keeps a final NUL, an abstract name a leading one */
	if (len > SUN_PATH_MAX - 1) {
		err_fmt(err, errlen, "unix socket %s too long in '%s' (%zu bytes), expected at most %zu bytes",
		         abstract ? "name" : "path", str, len, SUN_PATH_MAX - 1);
		return -EINVAL;
	}
	sun->sun_family = AF_UNIX;
	if (abstract) {
		/* HAProxy's abns@: the name padded with NULs to the full
		 * sun_path, so that both can reach each other's sockets.
		 */
		memcpy(sun->sun_path + 1, s, len);
		a->len = sizeof(*sun);
		a->flags |= ADDR_F_ABSTRACT;
	} else {
		memcpy(sun->sun_path, s, len + 1);
		a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	}
	a->kind = ADDR_UNIX;
	return 0;
}

/* Parses the fd number <s> of address <str> (fd@ or sockpair@). */
static int addr_parse_fd(const char *str, const char *s, enum addr_kind kind,
                         struct addr *a, char *err, size_t errlen)
{
	unsigned long v;

	if (addr_parse_uint(s, strlen(s), INT_MAX, &v) < 0) {
		err_fmt(err, errlen, "invalid file descriptor '%s' in '%s', expected %s<number> with a number >= 0",
		         s, str, kind == ADDR_FD ? "fd@" : "sockpair@");
		return -EINVAL;
	}
	a->kind = kind;
	a->fd = (int)v;
	return 0;
}

int addr_env_expand(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	while (*in) {
		const char *val = NULL;
		size_t vlen = 0;

		if (*in == '$') {
			const char *name = in + 1;
			const char *end;
			char var[256];

			if (*name == '{')
				name++;
			for (end = name; isalnum((unsigned char)*end) || *end == '_'; end++)
				;
			if ((size_t)(end - name) < sizeof(var)) {
				memcpy(var, name, (size_t)(end - name));
				var[end - name] = '\0';
				val = getenv(var);
			}
			in = (*end == '}' && name > in + 1) ? end + 1 : end;
			vlen = val ? strlen(val) : 0;
		} else {
			val = in++;
			vlen = 1;
		}
		if (n + vlen >= outlen)
			return -ENAMETOOLONG;
		if (vlen)   /* an unset variable: val is NULL */
			memcpy(out + n, val, vlen);
		n += vlen;
	}
	if (n >= outlen)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return (int)n;
}

/* addr_parse(), and with <name>, addr_parse_name(). */
static int addr_parse_ex(const char *str, unsigned int flags, struct addr *a, char *name, size_t namelen,
                         char *err, size_t errlen)
{
	const struct addr_prefix *pfx = NULL;
	char expanded[ADDR_STRLEN + 256];
	const char *s;
	const char *at;
	size_t i;
	int rc;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	if (err && errlen)
		*err = '\0';
	if (!str) {
		err_fmt(err, errlen, "missing address, expected <address>:<port>");
		return -EINVAL;
	}
	/* HAProxy expands environment variables in any address, even outside
	 * the configuration's double quotes: an unset one is an empty string.
	 */
	if (strchr(str, '$')) {
		if (addr_env_expand(str, expanded, sizeof(expanded)) < 0) {
			err_fmt(err, errlen, "address '%s' too long after expanding environment variables", str);
			return -EINVAL;
		}
		if (!*expanded) {
			err_fmt(err, errlen, "'%s' resolves to an empty address (environment variable missing?)", str);
			return -EINVAL;
		}
		str = expanded;
	}
	s = str;

	/* a prefix is a word of letters and digits ended by '@' */
	for (at = str; isalnum((unsigned char)*at); at++)
		;
	if (*at == '@' && at > str) {
		size_t plen = (size_t)(at - str) + 1;

		for (i = 0; i < ARRAY_SIZE(addr_prefixes); i++) {
			if (strlen(addr_prefixes[i].name) == plen &&
			    strncmp(str, addr_prefixes[i].name, plen) == 0) {
				pfx = &addr_prefixes[i];
				break;
			}
		}
		if (!pfx) {
			for (i = 0; i < ARRAY_SIZE(addr_dgram_prefixes); i++) {
				if (strlen(addr_dgram_prefixes[i]) == plen &&
				    strncmp(str, addr_dgram_prefixes[i], plen) == 0) {
					err_fmt(err, errlen, "address family '%.*s' in '%s' is not supported, expected a stream socket (ipv4@, ipv6@, unix@, abns@, fd@, sockpair@)",
					         (int)plen, str, str);
					return -EINVAL;
				}
			}
			if (plen == 6 && !strncmp(str, "rhttp@", plen)) {
				err_fmt(err, errlen, "address '%s': reverse HTTP (rhttp@, HAProxy 2.9+) is not supported", str);
				return -EINVAL;
			}
			err_fmt(err, errlen, "unknown address prefix '%.*s' in '%s', expected one of ipv4@, ipv6@, unix@, abns@, fd@, sockpair@",
			         (int)plen, str, str);
			return -EINVAL;
		}
		s = at + 1;
	}

	if (!pfx && *s == '/')
		pfx = &addr_path_prefix;

	if (pfx && (pfx->kind == ADDR_UNIX) && (flags & ADDR_P_NO_UNIX)) {
		err_fmt(err, errlen, "unix socket address '%s' not allowed here, expected <address>:<port>", str);
		return -EINVAL;
	}
	if (pfx && (pfx->kind == ADDR_FD || pfx->kind == ADDR_SOCKPAIR) && (flags & ADDR_P_NO_FD)) {
		err_fmt(err, errlen, "file descriptor address '%s' not allowed here, expected <address>:<port>", str);
		return -EINVAL;
	}

	if (!pfx || pfx->kind == ADDR_INET)
		rc = addr_parse_inet(str, s, pfx ? pfx->family : AF_UNSPEC, flags, a, name, namelen, err, errlen);
	else if (pfx->kind == ADDR_UNIX)
		rc = addr_parse_unix(str, s, pfx->abstract, a, err, errlen);
	else
		rc = addr_parse_fd(str, s, pfx->kind, a, err, errlen);

	if (rc < 0) {
		memset(a, 0, sizeof(*a));
		a->fd = -1;
	}
	return rc;
}

int addr_parse(const char *str, unsigned int flags, struct addr *a, char *err, size_t errlen)
{
	return addr_parse_ex(str, flags, a, NULL, 0, err, errlen);
}

int addr_parse_name(const char *str, unsigned int flags, struct addr *a, char *name, size_t namelen,
                    char *err, size_t errlen)
{
	if (namelen)
		*name = '\0';
	return addr_parse_ex(str, flags, a, name, namelen, err, errlen);
}

int addr_from_sa(struct addr *a, const struct sockaddr *sa, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	if (!sa || len < sizeof(sa_family_t) || len > sizeof(a->ss))
		return -EINVAL;
	switch (sa->sa_family) {
	case AF_INET:
		if (len < sizeof(struct sockaddr_in))
			return -EINVAL;
		a->kind = ADDR_INET;
		len = sizeof(struct sockaddr_in);
		break;
	case AF_INET6:
		if (len < sizeof(struct sockaddr_in6))
			return -EINVAL;
		a->kind = ADDR_INET;
		len = sizeof(struct sockaddr_in6);
		break;
	case AF_UNIX:
		a->kind = ADDR_UNIX;
		if (len > offsetof(struct sockaddr_un, sun_path) &&
		    ((const struct sockaddr_un *)sa)->sun_path[0] == '\0')
			a->flags |= ADDR_F_ABSTRACT;
		break;
	default:
		return -EINVAL;
	}
	memcpy(&a->ss, sa, len);
	a->len = len;
	return 0;
}

/* Appends the abstract name or path of <sun> (<len> bytes) after <pfx>. */
static int addr_format_unix(const struct sockaddr_un *sun, socklen_t len, char *buf, size_t size)
{
	size_t off = offsetof(struct sockaddr_un, sun_path);
	size_t plen = len > off ? len - off : 0;
	char name[SUN_PATH_MAX + 1];
	size_t i, n = 0;

	if (plen > SUN_PATH_MAX)
		plen = SUN_PATH_MAX;
	if (plen && sun->sun_path[0] == '\0') {
		/* abstract: drop the leading NUL and HAProxy's NUL padding,
		 * show other unprintable bytes as '?'
		 */
		while (plen > 1 && sun->sun_path[plen - 1] == '\0')
			plen--;
		for (i = 1; i < plen; i++)
			name[n++] = isprint((unsigned char)sun->sun_path[i]) ? sun->sun_path[i] : '?';
		name[n] = '\0';
		return snprintf(buf, size, "abns@%s", name);
	}
	for (i = 0; i < plen && sun->sun_path[i]; i++)
		name[n++] = sun->sun_path[i];
	name[n] = '\0';
	return snprintf(buf, size, "unix@%s", name);
}

/* Formats an INET socket address, with its port unless <noport>. */
static int addr_format_inet(const struct sockaddr *sa, int noport, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		if (noport)
			return snprintf(buf, size, "%s", ip);
		return snprintf(buf, size, "%s:%u", ip, ntohs(sin->sin_port));
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		if (noport)
			return snprintf(buf, size, "[%s]", ip);
		return snprintf(buf, size, "[%s]:%u", ip, ntohs(sin6->sin6_port));
	}
}

int addr_format_sa(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	if (!sa || len < sizeof(sa_family_t))
		return snprintf(buf, size, "?");
	switch (sa->sa_family) {
	case AF_INET:
		if (len < sizeof(struct sockaddr_in))
			break;
		return addr_format_inet(sa, 0, buf, size);
	case AF_INET6:
		if (len < sizeof(struct sockaddr_in6))
			break;
		return addr_format_inet(sa, 0, buf, size);
	case AF_UNIX:
		return addr_format_unix((const struct sockaddr_un *)sa, len, buf, size);
	}
	return snprintf(buf, size, "?");
}

int addr_format(const struct addr *a, char *buf, size_t size)
{
	switch (a->kind) {
	case ADDR_INET:
		return addr_format_inet(addr_sa(a), !!(a->flags & ADDR_F_NO_PORT), buf, size);
	case ADDR_UNIX:
		return addr_format_unix((const struct sockaddr_un *)&a->ss, a->len, buf, size);
	case ADDR_FD:
		return snprintf(buf, size, "fd@%d", a->fd);
	case ADDR_SOCKPAIR:
		return snprintf(buf, size, "sockpair@%d", a->fd);
	case ADDR_NONE:
		break;
	}
	return snprintf(buf, size, "-");
}

/* Returns <0, 0, >0 comparing <a> and <b>. */
static int addr_cmp_int(long a, long b)
{
	return (a > b) - (a < b);
}

/* Compares the hosts of two addresses of the same kind (INET or UNIX). */
static int __addr_cmp_host(const struct addr *a, const struct addr *b)
{
	int c;

	if (a->kind == ADDR_INET) {
		c = addr_cmp_int(a->ss.ss_family, b->ss.ss_family);
		if (c)
			return c;
		if (a->ss.ss_family == AF_INET)
			return memcmp(&((const struct sockaddr_in *)&a->ss)->sin_addr,
			              &((const struct sockaddr_in *)&b->ss)->sin_addr, 4);
		c = memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
		           &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16);
		if (c)
			return c;
		return addr_cmp_int(((const struct sockaddr_in6 *)&a->ss)->sin6_scope_id,
		                    ((const struct sockaddr_in6 *)&b->ss)->sin6_scope_id);
	}
	if (a->kind == ADDR_UNIX) {
		size_t off = offsetof(struct sockaddr_un, sun_path);

		c = addr_cmp_int(a->len, b->len);
		if (c)
			return c;
		if (a->len <= off)
			return 0;
		return memcmp(((const struct sockaddr_un *)&a->ss)->sun_path,
		              ((const struct sockaddr_un *)&b->ss)->sun_path, a->len - off);
	}
	return 0;
}

int addr_cmp_host(const struct addr *a, const struct addr *b)
{
	int c = addr_cmp_int(a->kind, b->kind);

	return c ? c : __addr_cmp_host(a, b);
}

int addr_cmp(const struct addr *a, const struct addr *b)
{
	int c = addr_cmp_int(a->kind, b->kind);

	if (c)
		return c;
	switch (a->kind) {
	case ADDR_INET:
		c = __addr_cmp_host(a, b);
		return c ? c : addr_cmp_int(addr_port(a), addr_port(b));
	case ADDR_UNIX:
		return __addr_cmp_host(a, b);
	case ADDR_FD:
	case ADDR_SOCKPAIR:
		return addr_cmp_int(a->fd, b->fd);
	case ADDR_NONE:
		break;
	}
	return 0;
}

int addr_unmap_v4(struct addr *a)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
	struct sockaddr_in sin;

	if (a->kind != ADDR_INET || a->ss.ss_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = sin6->sin6_port;
	memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
	memset(&a->ss, 0, sizeof(a->ss));
	memcpy(&a->ss, &sin, sizeof(sin));
	a->len = sizeof(sin);
	return 1;
}
