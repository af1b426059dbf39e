/*
 * Responses the proxy writes itself: built-in error pages, errorfiles and
 * the constant payloads of `return` / `deny`, and redirects. See
 * http_reply.h.
 *
 * The built-in pages are built once, before main(), by a constructor, from
 * HAProxy's wording; they are read-only afterwards. Errorfiles and
 * `return` payloads are built while the configuration is parsed and live
 * until exit.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tollgate/compiler.h>
#include <tollgate/global.h>
#include <tollgate/h1.h>
#include <tollgate/http_msg.h>
#include <tollgate/http_reply.h>
#include <tollgate/proxy-t.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A built-in page: the status, HAProxy's reason phrase (its own, e.g.
 * "Bad request", "Request Time-out") and the sentence of the body.
 */
struct builtin_page {
	int status;              /* status code */
	const char *reason;      /* reason phrase, as HAProxy writes it */
	const char *text;        /* sentence of the body */
};

static const struct builtin_page builtin_pages[] = {
	{ 200, "OK", "Service ready." },
	{ 400, "Bad request", "Your browser sent an invalid request." },
	{ 401, "Unauthorized", "You need a valid user and password to access this content." },
	{ 403, "Forbidden", "Request forbidden by administrative rules." },
	{ 404, "Not Found", "The resource could not be found." },
	{ 405, "Method Not Allowed", "A request was made of a resource using a request method not supported by that resource." },
	{ 407, "Unauthorized", "You need a valid user and password to access this content." },
	{ 408, "Request Time-out", "Your browser didn't send a complete request in time." },
	{ 410, "Gone", "The resource is no longer available and will not be available again." },
	{ 413, "Payload Too Large", "The request entity exceeds the maximum allowed." },
	{ 414, "URI Too Long", "The URI provided was too long for the server to process." },
	{ 421, "Misdirected Request", "Request sent to a non-authoritative server." },
	{ 425, "Too Early", "Your browser sent early data." },
	{ 429, "Too Many Requests", "You have sent too many requests in a given amount of time." },
	{ 431, "Request Header Fields Too Large", "Request Header Fields Too Large." },
	{ 500, "Internal Server Error", "An internal server error occurred." },
	{ 501, "Not Implemented", "The server does not support the functionality required to fulfill the request." },
	{ 502, "Bad Gateway", "The server returned an invalid or incomplete response." },
	{ 503, "Service Unavailable", "No server is available to handle this request." },
	{ 504, "Gateway Time-out", "The server didn't respond in time." },
	{ 505, "HTTP Version Not Supported", "The server does not support the HTTP version used in the request." },
};

#define PAGE_MAX 512             /* longest built-in page, with its head */

static char builtin_buf[ARRAY_LEN(builtin_pages)][PAGE_MAX];
static struct http_reply builtin_replies[ARRAY_LEN(builtin_pages)];

/* Codes an `errorfile` may replace, in the order of their index in
 * proxy->errorfiles[] (HAProxy's list). Only the first
 * ARRAY_LEN(proxy->errorfiles) are usable; the rarely customised ones come
 * last so that a smaller array loses them first.
 */
static const int errorfile_codes[] = {
	200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 429, 500, 501, 502, 503, 504,
	414, 425, 431,
};

#define ERRORFILE_SLOTS (sizeof(((struct proxy *)0)->errorfiles) / sizeof(((struct proxy *)0)->errorfiles[0]))
_Static_assert(ERRORFILE_SLOTS == HTTP_ERRORFILE_SLOTS, "proxy errorfiles[] and http_errors pages[] differ");

/* Returns the index of <status> in proxy->errorfiles[], or -1 when that
 * code cannot have an errorfile.
 */
int http_errorfile_index(int status);

int http_errorfile_index(int status)
{
	for (size_t i = 0; i < ARRAY_LEN(errorfile_codes) && i < ERRORFILE_SLOTS; i++)
		if (errorfile_codes[i] == status)
			return (int)i;
	return -1;
}

static struct http_errors *http_errors_list;  /* parse time only, then read-only */

struct http_errors *http_errors_find(const char *name)
{
	for (struct http_errors *he = http_errors_list; he; he = he->next)
		if (!strcmp(he->name, name))
			return he;
	return NULL;
}

struct http_errors *http_errors_new(const char *name, const char *file, int line)
{
	struct http_errors *he = calloc(1, sizeof(*he));

	if (!he || !(he->name = strdup(name))) {
		free(he);
		return NULL;
	}
	he->conf_file = file;
	he->conf_line = line;
	he->next = http_errors_list;
	http_errors_list = he;
	return he;
}

const struct http_reply *http_errors_page(const struct http_errors *he, int status)
{
	int idx = http_errorfile_index(status);

	return idx < 0 ? NULL : he->pages[idx];
}

__attribute__((constructor)) static void http_reply_build_builtins(void)
{
	for (size_t i = 0; i < ARRAY_LEN(builtin_pages); i++) {
		const struct builtin_page *p = &builtin_pages[i];
		char body[PAGE_MAX];
		int blen, len;

		blen = snprintf(body, sizeof(body), "<html><body><h1>%d %s</h1>\n%s\n</body></html>\n",
		                p->status, p->reason, p->text);
		len = snprintf(builtin_buf[i], PAGE_MAX,
		               "HTTP/1.1 %d %s\r\n"
		               "content-length: %d\r\n"
		               "cache-control: no-cache\r\n"
		               "content-type: text/html\r\n"
		               "\r\n"
		               "%s",
		               p->status, p->reason, blen, body);
		builtin_replies[i].status = p->status;
		builtin_replies[i].data = builtin_buf[i];
		builtin_replies[i].len = (size_t)len;
	}
}

static const struct http_reply *builtin_reply(int status)
{
	for (size_t i = 0; i < ARRAY_LEN(builtin_pages); i++)
		if (builtin_pages[i].status == status)
			return &builtin_replies[i];
	return NULL;
}

const struct http_reply *http_error_reply(const struct proxy *px, int status)
{
	const struct http_reply *r;
	int idx = http_errorfile_index(status);

	if (px && idx >= 0 && px->errorfiles[idx])
		return px->errorfiles[idx];
	r = builtin_reply(status);
	if (!r) {
		idx = http_errorfile_index(500);
		if (px && px->errorfiles[idx])
			return px->errorfiles[idx];
		r = builtin_reply(500);
	}
	return r;
}

/* Every reply built at configuration time, so that they stay reachable
 * until exit (they are never freed: workers may be sending them). Touched
 * only while the configuration is parsed, by one thread.
 */
struct reply_block {
	struct reply_block *next;    /* previous block built */
	struct http_reply r;         /* the reply; its data follows */
	char data[];                 /* the response bytes */
};

static struct reply_block *reply_blocks;

/* Allocates a reply with room for <len> bytes of data (r->data points
 * there, r->len = <len>). Returns it or NULL.
 */
static struct http_reply *reply_new(size_t len)
{
	struct reply_block *b = malloc(sizeof(*b) + len + 1);

	if (!b)
		return NULL;
	b->next = reply_blocks;
	reply_blocks = b;
	b->r.status = 0;
	b->r.data = b->data;
	b->r.len = len;
	b->data[len] = '\0';
	return &b->r;
}

size_t http_reply_write(char *out, size_t room, int status, const char *ctype, const char *hdrs, size_t hlen,
                        const char *body, size_t blen)
{
	const char *reason = http_reason(status);
	int n;

	n = snprintf(out, room, "HTTP/1.1 %d %s\r\n", status, reason);
	if (n < 0 || (size_t)n >= room)
		return 0;
	if (ctype) {
		int k = snprintf(out + n, room - (size_t)n, "content-type: %s\r\n", ctype);

		if (k < 0 || (size_t)k >= room - (size_t)n)
			return 0;
		n += k;
	}
	if (hlen) {
		if (hlen >= room - (size_t)n)
			return 0;
		memcpy(out + n, hdrs, hlen);
		n += (int)hlen;
	}
	{
		int k = snprintf(out + n, room - (size_t)n, "content-length: %zu\r\n\r\n", blen);

		if (k < 0 || (size_t)k >= room - (size_t)n || blen > room - (size_t)n - (size_t)k)
			return 0;
		n += k;
	}
	if (blen)
		memcpy(out + n, body, blen);
	return (size_t)n + blen;
}

struct http_reply *http_reply_make(int status, const char *ctype, const char *body, size_t blen,
                                   const char *hdrs)
{
	size_t hlen = hdrs ? strlen(hdrs) : 0;
	size_t clen = ctype ? strlen(ctype) : 0;
	size_t room = 64 + strlen(http_reason(status)) + clen + 20 + hlen + 48 + blen;
	struct http_reply *r = reply_new(room);

	if (!r)
		return NULL;
	r->len = http_reply_write((char *)r->data, room, status, ctype, hdrs, hlen, body, blen);
	r->status = status;
	return r->len ? r : NULL;
}

/* Sets *<err> to a malloc'ed copy of the formatted message. Returns NULL. */
static struct http_reply *load_err(char **err, const char *fmt, ...) PRINTF_FMT(2, 3);

static struct http_reply *load_err(char **err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		free(*err);
		va_start(ap, fmt);
		if (vasprintf(err, fmt, ap) < 0)
			*err = NULL;
		va_end(ap);
	}
	return NULL;
}

/* Returns a copy of <src> (<len> bytes, its head ending at <hlen>) whose
 * head has every bare LF turned into CRLF, in a new block of *<outlen>
 * bytes, or NULL (out of memory). Errorfiles are often written with a text
 * editor; HAProxy accepts them and emits CRLF, so does Tollgate.
 */
static char *crlf_head(const char *src, size_t len, size_t hlen, size_t *outlen)
{
	char *out = malloc(len + hlen + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < hlen; i++) {
		if (src[i] == '\n' && (i == 0 || src[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = src[i];
	}
	memcpy(out + o, src + hlen, len - hlen);
	*outlen = o + len - hlen;
	return out;
}

struct http_reply *http_reply_load_errorfile(const char *path, char **err)
{
	size_t max = global.tune_bufsize ? global.tune_bufsize : 16384;
	struct h1_hdr hdrs[H1_DEF_MAX_HDRS];
	struct h1_limits lim;
	struct http_reply *r;
	struct h1_msg msg;
	struct stat st;
	char *buf, *fixed;
	size_t len, flen;
	int ret;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return load_err(err, "cannot read errorfile '%s' (%s).", path, strerror(errno));
	if (fstat(fileno(f), &st) < 0) {
		fclose(f);
		return load_err(err, "cannot read errorfile '%s' (%s).", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		/* /dev/null is a common way to send nothing (HAProxy's doc) */
		if (strcmp(path, "/dev/null")) {
			fclose(f);
			return load_err(err, "errorfile '%s' is not a regular file.", path);
		}
		st.st_size = 0;
	}
	if ((size_t)st.st_size > max) {
		fclose(f);
		return load_err(err, "errorfile '%s' is %lld bytes, larger than tune.bufsize (%zu).",
		                path, (long long)st.st_size, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		return load_err(err, "out of memory");
	}
	len = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	if (len != (size_t)st.st_size) {
		free(buf);
		return load_err(err, "cannot read errorfile '%s' (short read).", path);
	}
	if (len == 0) {
		/* an empty errorfile: the connection is closed without a response */
		free(buf);
		r = reply_new(0);
		if (!r)
			return load_err(err, "out of memory");
		return r;
	}

	h1_limits_init(&lim);
	lim.opts |= H1_OPT_ACCEPT_BARE_LF;
	h1_msg_init(&msg, hdrs, H1_DEF_MAX_HDRS);
	ret = h1_parse_response(&msg, buf, len, &lim);
	if (ret <= 0) {
		free(buf);
		if (ret == 0)
			return load_err(err, "errorfile '%s' does not hold a complete HTTP response head (status line, headers, empty line).", path);
		return load_err(err, "errorfile '%s' is not a valid HTTP response (parse error %d at its head).", path, ret);
	}
	fixed = crlf_head(buf, len, (size_t)ret, &flen);
	if (!fixed) {
		free(buf);
		return load_err(err, "out of memory");
	}
	if ((msg.flags & H1_MF_CL) && msg.content_length != len - (size_t)ret) {
		r = load_err(err, "errorfile '%s' : content-length %llu does not match its body of %zu bytes.",
		             path, (unsigned long long)msg.content_length, len - (size_t)ret);
		free(buf);
		free(fixed);
		return r;
	}
	free(buf);
	r = reply_new(flen);
	if (!r) {
		free(fixed);
		return load_err(err, "out of memory");
	}
	memcpy((char *)r->data, fixed, flen);
	free(fixed);
	r->status = msg.status;
	return r;
}

size_t http_reply_redirect(char *out, size_t room, int code, const char *loc, size_t loclen, int close)
{
	int nocache = code == 302 || code == 303 || code == 307;
	int n;

	n = snprintf(out, room,
	             "HTTP/1.1 %d %s\r\n"
	             "content-length: 0\r\n"
	             "location: %.*s\r\n"
	             "%s%s\r\n",
	             code, http_reason(code), (int)loclen, loc,
	             nocache ? "cache-control: no-cache\r\n" : "",
	             close ? "connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= room)
		return 0;
	return (size_t)n;
}
