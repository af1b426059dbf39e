/*
 * Address tests: every syntax of addr_parse() with its formatted form, the
 * errors (each message names the bad part), comparison, conversions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/addr.h>
#include <tollgate/compiler.h>

/* Parses <str> with <flags>, expects success and the formatted form <fmt>. */
static struct addr parse_ok(const char *str, unsigned int flags, const char *fmt)
{
	char err[ADDR_ERRLEN], out[ADDR_STRLEN];
	struct addr a;
	int rc;

	rc = addr_parse(str, flags, &a, err, sizeof(err));
	if (rc != 0)
		fail_msg("addr_parse(\"%s\") = %d: %s", str, rc, err);
	assert_string_equal(err, "");
	addr_format(&a, out, sizeof(out));
	if (strcmp(out, fmt) != 0)
		fail_msg("addr_parse(\"%s\") formats as \"%s\", expected \"%s\"", str, out, fmt);
	return a;
}

/* Parses <str> with <flags>, expects error <code> and a message that
 * contains <part>.
 */
static void parse_err(const char *str, unsigned int flags, int code, const char *part)
{
	char err[ADDR_ERRLEN];
	struct addr a;
	int rc;

	memset(&a, 0x5a, sizeof(a));
	rc = addr_parse(str, flags, &a, err, sizeof(err));
	if (rc != code)
		fail_msg("addr_parse(\"%s\") = %d, expected %d (%s)", str, rc, code, err);
	if (!strstr(err, part))
		fail_msg("addr_parse(\"%s\"): message \"%s\" lacks \"%s\"", str, err, part);
	assert_null(strchr(err, '\n'));
	assert_int_equal(a.kind, ADDR_NONE);
	assert_int_equal(a.fd, -1);
}

static void test_ipv4(void **state)
{
	struct addr a;

	a = parse_ok("127.0.0.1:8080", 0, "127.0.0.1:8080");
	assert_int_equal(a.kind, ADDR_INET);
	assert_int_equal(a.ss.ss_family, AF_INET);
	assert_int_equal(a.len, sizeof(struct sockaddr_in));
	assert_int_equal(addr_port(&a), 8080);
	assert_int_equal(a.flags, 0);

	parse_ok("10.1.2.3:1", 0, "10.1.2.3:1");
	parse_ok("10.1.2.3:65535", 0, "10.1.2.3:65535");
	parse_ok("ipv4@192.0.2.7:443", 0, "192.0.2.7:443");
	parse_ok("tcp4@192.0.2.7:443", 0, "192.0.2.7:443");
	parse_ok("tcp@192.0.2.7:443", 0, "192.0.2.7:443");
}

static void test_any(void **state)
{
	struct addr a;

	a = parse_ok("*:80", 0, "0.0.0.0:80");
	assert_true(a.flags & ADDR_F_ANY);
	assert_int_equal(a.ss.ss_family, AF_INET);
	a = parse_ok(":80", 0, "0.0.0.0:80");
	assert_true(a.flags & ADDR_F_ANY);
	a = parse_ok("ipv4@*:80", 0, "0.0.0.0:80");
	assert_true(a.flags & ADDR_F_ANY);
	a = parse_ok("ipv6@:80", 0, "[::]:80");
	assert_true(a.flags & ADDR_F_ANY);
	assert_int_equal(a.ss.ss_family, AF_INET6);
	a = parse_ok("ipv6@*:80", 0, "[::]:80");
	assert_true(a.flags & ADDR_F_ANY);
	a = parse_ok("[::]:8443", 0, "[::]:8443");
	assert_int_equal(a.ss.ss_family, AF_INET6);
	a = parse_ok("0.0.0.0:80", 0, "0.0.0.0:80");
}

static void test_ipv6(void **state)
{
	struct addr a;

	a = parse_ok("[::1]:80", 0, "[::1]:80");
	assert_int_equal(a.ss.ss_family, AF_INET6);
	assert_int_equal(a.len, sizeof(struct sockaddr_in6));
	assert_int_equal(addr_port(&a), 80);
	parse_ok("[2001:db8::1:2]:8080", 0, "[2001:db8::1:2]:8080");
	parse_ok("ipv6@[2001:db8::1]:80", 0, "[2001:db8::1]:80");
	parse_ok("ipv6@2001:db8::1:80", 0, "[2001:db8::1]:80");
	/* without brackets the last colon starts the port, like HAProxy */
	parse_ok("::1:80", 0, "[::1]:80");
	parse_ok("2001:db8::5:443", 0, "[2001:db8::5]:443");
	/* v4-mapped */
	a = parse_ok("[::ffff:192.0.2.1]:80", 0, "[::ffff:192.0.2.1]:80");
	assert_int_equal(addr_unmap_v4(&a), 1);
	assert_int_equal(a.ss.ss_family, AF_INET);
	assert_int_equal(addr_port(&a), 80);
	assert_int_equal(addr_unmap_v4(&a), 0);
	{
		char out[ADDR_STRLEN];

		addr_format(&a, out, sizeof(out));
		assert_string_equal(out, "192.0.2.1:80");
	}
}

static void test_optional_port(void **state)
{
	struct addr a;

	a = parse_ok("192.0.2.1", ADDR_P_PORT_OPTIONAL, "192.0.2.1");
	assert_true(a.flags & ADDR_F_NO_PORT);
	assert_int_equal(addr_port(&a), 0);
	a = parse_ok("192.0.2.1:81", ADDR_P_PORT_OPTIONAL, "192.0.2.1:81");
	assert_false(a.flags & ADDR_F_NO_PORT);
	a = parse_ok("[::1]", ADDR_P_PORT_OPTIONAL, "[::1]");
	assert_true(a.flags & ADDR_F_NO_PORT);
	/* an unbracketed IPv6 address that only makes sense whole */
	parse_ok("fe80::1", ADDR_P_PORT_OPTIONAL, "[fe80::1]");
	parse_ok("2001:db8::abcd", ADDR_P_PORT_OPTIONAL, "[2001:db8::abcd]");
	a = parse_ok("*", ADDR_P_PORT_OPTIONAL, "0.0.0.0");
	assert_true(a.flags & ADDR_F_ANY);
	addr_set_port(&a, 9000);
	assert_false(a.flags & ADDR_F_NO_PORT);
	assert_int_equal(addr_port(&a), 9000);
}

static void test_names(void **state)
{
	struct addr a;

	a = parse_ok("localhost:80", 0, "127.0.0.1:80");
	assert_true(a.flags & ADDR_F_RESOLVED);
	a = parse_ok("ipv4@localhost:8080", 0, "127.0.0.1:8080");
	a = parse_ok("localhost", ADDR_P_PORT_OPTIONAL, "127.0.0.1");
	parse_err("localhost:80", ADDR_P_NO_RESOLVE, -EINVAL, "'localhost'");
	parse_err("no-such-host.invalid:80", 0, -ENOENT, "no-such-host.invalid");
	parse_err("bad_host!:80", 0, -EINVAL, "bad_host!");
}

static void test_unix(void **state)
{
	char longpath[200];
	struct addr a, b;

	a = parse_ok("unix@/tmp/tg.sock", 0, "unix@/tmp/tg.sock");
	assert_int_equal(a.kind, ADDR_UNIX);
	assert_int_equal(a.ss.ss_family, AF_UNIX);
	assert_int_equal(a.len, offsetof(struct sockaddr_un, sun_path) + strlen("/tmp/tg.sock") + 1);
	b = parse_ok("/tmp/tg.sock", 0, "unix@/tmp/tg.sock");
	assert_int_equal(addr_cmp(&a, &b), 0);
	b = parse_ok("uxst@/tmp/tg.sock", 0, "unix@/tmp/tg.sock");
	assert_int_equal(addr_cmp(&a, &b), 0);
	b = parse_ok("unix@/tmp/tg2.sock", 0, "unix@/tmp/tg2.sock");
	assert_int_not_equal(addr_cmp(&a, &b), 0);

	a = parse_ok("abns@tollgate-test", 0, "abns@tollgate-test");
	assert_true(a.flags & ADDR_F_ABSTRACT);
	assert_int_equal(a.len, sizeof(struct sockaddr_un));

	parse_err("unix@", 0, -EINVAL, "empty socket path");
	parse_err("abns@", 0, -EINVAL, "empty socket name");
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	parse_err(longpath, 0, -EINVAL, "too long");
	parse_err("unix@/tmp/x", ADDR_P_NO_UNIX, -EINVAL, "not allowed");
	parse_err("/tmp/x", ADDR_P_NO_UNIX, -EINVAL, "not allowed");
}

static void test_fd(void **state)
{
	struct addr a, b;

	a = parse_ok("fd@3", 0, "fd@3");
	assert_int_equal(a.kind, ADDR_FD);
	assert_int_equal(a.fd, 3);
	assert_int_equal(a.len, 0);
	a = parse_ok("fd@0", 0, "fd@0");
	assert_int_equal(a.fd, 0);
	b = parse_ok("sockpair@4", 0, "sockpair@4");
	assert_int_equal(b.kind, ADDR_SOCKPAIR);
	assert_int_equal(b.fd, 4);
	assert_int_not_equal(addr_cmp(&a, &b), 0);

	parse_err("fd@x", 0, -EINVAL, "'x'");
	parse_err("fd@", 0, -EINVAL, "fd@<number>");
	parse_err("fd@-1", 0, -EINVAL, "'-1'");
	parse_err("fd@3x", 0, -EINVAL, "'3x'");
	parse_err("fd@99999999999", 0, -EINVAL, "99999999999");
	parse_err("sockpair@z", 0, -EINVAL, "sockpair@<number>");
	parse_err("fd@3", ADDR_P_NO_FD, -EINVAL, "not allowed");
}

static void test_port_errors(void **state)
{
	parse_err("1.2.3.4", 0, -EINVAL, "missing port in '1.2.3.4'");
	parse_err("[::1]", 0, -EINVAL, "missing port");
	parse_err("localhost", 0, -EINVAL, "missing port");
	parse_err("1.2.3.4:", 0, -EINVAL, "missing port after ':'");
	parse_ok("1.2.3.4:", ADDR_P_PORT_OPTIONAL, "1.2.3.4");
	parse_err("1.2.3.4:0", 0, -EINVAL, "invalid port '0'");
	parse_err("1.2.3.4:70000", 0, -EINVAL, "invalid port '70000'");
	parse_err("1.2.3.4:65536", 0, -EINVAL, "invalid port '65536'");
	parse_err("1.2.3.4:80x", 0, -EINVAL, "invalid port '80x'");
	parse_err("1.2.3.4:http", 0, -EINVAL, "invalid port 'http'");
	parse_err("1.2.3.4:80-90", 0, -EINVAL, "port range '80-90'");
	parse_err("1.2.3.4:+1", ADDR_P_PORT_OPTIONAL, -EINVAL, "port offset '+1'");
	parse_err("[::1]:0", 0, -EINVAL, "invalid port '0'");
	parse_err("*:99999999999999999999", 0, -EINVAL, "invalid port");
}

static void test_host_errors(void **state)
{
	parse_err("[::1:80", 0, -EINVAL, "missing ']'");
	parse_err("[::1]80", 0, -EINVAL, "'80' after ']'");
	parse_err("[]:80", 0, -EINVAL, "empty IPv6 address");
	parse_err("[::g]:80", 0, -EINVAL, "invalid IPv6 address '::g'");
	parse_err("[1.2.3.4]:80", 0, -EINVAL, "invalid IPv6 address '1.2.3.4'");
	parse_err("1:2:3:4:5:6:7:8:9:80", 0, -EINVAL, "invalid IPv6 address");
	parse_err("2001:db8:::1:80", 0, -EINVAL, "invalid IPv6 address");
	parse_err("1.2.3:80", 0, -EINVAL, "invalid IPv4 address '1.2.3'");
	parse_err("256.1.1.1:80", 0, -EINVAL, "invalid IPv4 address '256.1.1.1'");
	parse_err("ipv4@[::1]:80", 0, -EINVAL, "ipv4@");
	parse_err("ipv4@::1:80", 0, -EINVAL, "not an IPv4 address");
	parse_err("ipv6@1.2.3.4:80", 0, -EINVAL, "not an IPv6 address");
	parse_err("foo@1.2.3.4:80", 0, -EINVAL, "unknown address prefix 'foo@'");
	parse_err("udp@1.2.3.4:53", 0, -EINVAL, "'udp@'");
	parse_err("quic4@1.2.3.4:443", 0, -EINVAL, "'quic4@'");
	parse_err("", 0, -EINVAL, "missing port");
	parse_err(NULL, 0, -EINVAL, "missing address");
}

/* HAProxy's str2sa_range() expands environment variables in addresses,
 * unset ones as empty strings.
 */
static void test_env(void **state)
{
	char out[16];
	struct addr a;

	setenv("TG_ADDR_H", "127.0.0.1", 1);
	setenv("TG_ADDR_P", "8080", 1);
	unsetenv("TG_ADDR_NOPE");
	parse_ok("${TG_ADDR_H}:${TG_ADDR_P}", 0, "127.0.0.1:8080");
	parse_ok("$TG_ADDR_H:$TG_ADDR_P", 0, "127.0.0.1:8080");
	parse_ok("${TG_ADDR_H}${TG_ADDR_NOPE}:80", 0, "127.0.0.1:80");
	a = parse_ok("${TG_ADDR_NOPE}:${TG_ADDR_NOPE}", ADDR_P_PORT_OPTIONAL, "0.0.0.0");
	assert_true(a.flags & ADDR_F_ANY);
	assert_true(a.flags & ADDR_F_NO_PORT);
	parse_err("${TG_ADDR_NOPE}", ADDR_P_PORT_OPTIONAL, -EINVAL, "resolves to an empty address");
	parse_err("${TG_ADDR_NOPE}:${TG_ADDR_NOPE}", 0, -EINVAL, "missing port");

	assert_int_equal(addr_env_expand("a$TG_ADDR_P.b", out, sizeof(out)), 7);
	assert_string_equal(out, "a8080.b");
	assert_int_equal(addr_env_expand("${TG_ADDR_NOPE}x$", out, sizeof(out)), 1);
	assert_string_equal(out, "x");
	assert_int_equal(addr_env_expand("$TG_ADDR_H$TG_ADDR_H", out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(addr_env_expand("0123456789abcdef", out, sizeof(out)), -ENAMETOOLONG);
	assert_int_equal(addr_env_expand("0123456789abcde", out, sizeof(out)), 15);
	(void)state;
}

static void test_cmp(void **state)
{
	struct addr a, b, c, d;

	a = parse_ok("10.0.0.1:80", 0, "10.0.0.1:80");
	b = parse_ok("10.0.0.1:81", 0, "10.0.0.1:81");
	c = parse_ok("10.0.0.2:80", 0, "10.0.0.2:80");
	d = parse_ok("[::1]:80", 0, "[::1]:80");

	assert_int_equal(addr_cmp(&a, &a), 0);
	assert_true(addr_cmp(&a, &b) < 0);
	assert_true(addr_cmp(&b, &a) > 0);
	assert_true(addr_cmp(&b, &c) < 0);     /* host before port */
	assert_true(addr_cmp(&a, &d) != 0);
	assert_true((addr_cmp(&a, &d) < 0) == (addr_cmp(&d, &a) > 0));
	assert_int_equal(addr_cmp_host(&a, &b), 0);
	assert_true(addr_cmp_host(&a, &c) < 0);

	/* equal whatever the spelling */
	b = parse_ok("ipv4@10.0.0.1:80", 0, "10.0.0.1:80");
	assert_int_equal(addr_cmp(&a, &b), 0);
	b = parse_ok("::1:80", 0, "[::1]:80");
	assert_int_equal(addr_cmp(&d, &b), 0);
	b = parse_ok("[0:0::1]:80", 0, "[::1]:80");
	assert_int_equal(addr_cmp(&d, &b), 0);

	/* kinds differ */
	b = parse_ok("unix@/tmp/a", 0, "unix@/tmp/a");
	assert_int_not_equal(addr_cmp(&a, &b), 0);
	c = parse_ok("fd@5", 0, "fd@5");
	assert_int_not_equal(addr_cmp(&b, &c), 0);
	d = parse_ok("fd@5", 0, "fd@5");
	assert_int_equal(addr_cmp(&c, &d), 0);
}

static void test_format(void **state)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	struct sockaddr_un sun;
	char out[ADDR_STRLEN], small[8];
	struct addr a;
	int n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(8080);
	sin.sin_addr.s_addr = htonl(0x7f000001);
	addr_format_sa((struct sockaddr *)&sin, sizeof(sin), out, sizeof(out));
	assert_string_equal(out, "127.0.0.1:8080");
	assert_int_equal(addr_from_sa(&a, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(a.kind, ADDR_INET);
	assert_int_equal(addr_port(&a), 8080);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(80);
	sin6.sin6_addr = in6addr_loopback;
	addr_format_sa((struct sockaddr *)&sin6, sizeof(sin6), out, sizeof(out));
	assert_string_equal(out, "[::1]:80");
	assert_int_equal(addr_from_sa(&a, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
	addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "[::1]:80");
	assert_int_equal(addr_from_sa(&a, (struct sockaddr *)&sin6, sizeof(sin)), -EINVAL);
	assert_int_equal(a.kind, ADDR_NONE);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/run/x.sock");
	addr_format_sa((struct sockaddr *)&sun, sizeof(sun), out, sizeof(out));
	assert_string_equal(out, "unix@/run/x.sock");
	/* an unnamed unix peer */
	addr_format_sa((struct sockaddr *)&sun, sizeof(sa_family_t), out, sizeof(out));
	assert_string_equal(out, "unix@");
	assert_int_equal(addr_from_sa(&a, (struct sockaddr *)&sun, sizeof(sa_family_t)), 0);
	assert_int_equal(a.kind, ADDR_UNIX);

	sin.sin_family = AF_APPLETALK;
	addr_format_sa((struct sockaddr *)&sin, sizeof(sin), out, sizeof(out));
	assert_string_equal(out, "?");
	assert_int_equal(addr_from_sa(&a, (struct sockaddr *)&sin, sizeof(sin)), -EINVAL);

	/* truncation: snprintf() semantics */
	a = parse_ok("192.168.100.200:65535", 0, "192.168.100.200:65535");
	n = addr_format(&a, small, sizeof(small));
	assert_int_equal(n, (int)strlen("192.168.100.200:65535"));
	assert_string_equal(small, "192.168");

	memset(&a, 0, sizeof(a));
	addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "-");

	/* the longest IPv6 fits in ADDR_STRLEN */
	a = parse_ok("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535", 0,
	             "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

/* A path of exactly sun_path - 1 bytes is accepted and formats whole. */
static void test_unix_longest(void **state)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char want[ADDR_STRLEN], out[ADDR_STRLEN], err[ADDR_ERRLEN];
	struct addr a;

	memset(path, 'y', sizeof(path));
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(addr_parse(path, 0, &a, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "unix@%s", path);
	assert_int_equal(addr_format(&a, out, sizeof(out)), (int)strlen(want));
	assert_string_equal(out, want);
	assert_int_equal(a.len, sizeof(struct sockaddr_un));
}

/* Random strings over the characters that matter (no host names, so no
 * DNS): addr_parse() never crashes or reads out of bounds (run under ASan),
 * an error always leaves a message, and every accepted address formats to
 * a text that parses back to an equal address.
 */
static void test_random_roundtrip(void **state)
{
	static const char alphabet[] = "0123456789abcdef:.[]*@/-+ fdxunipv";
	static const char *const prefixes[] = {
		"", "", "", "ipv4@", "ipv6@", "unix@", "abns@", "fd@", "sockpair@", "[", "[::", "1.2.3.",
	};
	char str[64], err[ADDR_ERRLEN], out[ADDR_STRLEN], err2[ADDR_ERRLEN];
	unsigned int seed = 12345, flags, accepted = 0;
	struct addr a, b;
	int iter, len, i, rc;

	for (iter = 0; iter < 100000; iter++) {
		const char *pfx = prefixes[rand_r(&seed) % ARRAY_SIZE(prefixes)];

		len = snprintf(str, sizeof(str), "%s", pfx);
		for (i = rand_r(&seed) % 24; i > 0 && len < (int)sizeof(str) - 1; i--)
			str[len++] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		str[len] = '\0';
		flags = ADDR_P_NO_RESOLVE | ((rand_r(&seed) & 1) ? ADDR_P_PORT_OPTIONAL : 0);

		rc = addr_parse(str, flags, &a, err, sizeof(err));
		if (rc < 0) {
			assert_int_equal(rc, -EINVAL);
			if (!err[0])
				fail_msg("no message for \"%s\"", str);
			assert_int_equal(a.kind, ADDR_NONE);
			continue;
		}
		accepted++;
		addr_format(&a, out, sizeof(out));
		if (addr_parse(out, flags | ADDR_P_PORT_OPTIONAL, &b, err2, sizeof(err2)) < 0)
			fail_msg("\"%s\" formats as \"%s\", which does not parse: %s", str, out, err2);
		if (addr_cmp(&a, &b) != 0)
			fail_msg("\"%s\" formats as \"%s\", which parses differently", str, out);
	}
	assert_true(accepted > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_any),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_optional_port),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_unix_longest),
		cmocka_unit_test(test_fd),
		cmocka_unit_test(test_port_errors),
		cmocka_unit_test(test_host_errors),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_random_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
