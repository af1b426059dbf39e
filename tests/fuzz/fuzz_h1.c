/*
 * libFuzzer target for the HTTP/1.1 parser (h1.h): request heads, response
 * heads and chunked bodies.
 *
 * Input: byte 0 selects the mode (bits 0-1: request, response, chunked
 * body, request followed by its chunked body; bit 2: accept bare LF; bit 3:
 * small limits; bit 4: accept a fragment '#' in the target), bytes 1-2 a
 * split position; the rest is the message.
 *
 * Invariants checked (abort on violation):
 *  - no crash, no read past the length (each parse gets a heap copy of
 *    exactly the bytes it may read, so ASan sees any overread);
 *  - the result is > 0, 0 or a known H1_ERR_*; a head ends with LF;
 *  - every span lies within the head;
 *  - resumption: the input split at the chosen position (and, when short,
 *    fed byte by byte) ends exactly like the whole, spans included;
 *  - an accepted head is valid by an independent, naive reading: no CR
 *    without LF, no LF without CR (unless accepted), token names, values
 *    without controls, a request with Transfer-Encoding (with or without
 *    Content-Length) framed by chunks and flagged with both, at most one
 *    Host;
 *  - chunked: data runs lie within what was consumed, and split parses
 *    give the same data and the same end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/h1.h>

#define MAXH 64

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

struct head {
	int ret;
	struct h1_msg msg;
	struct h1_hdr hdrs[MAXH];
};

/* Returns a heap copy of <len> bytes of <src> (exact size, for ASan). */
static char *dup_exact(const uint8_t *src, size_t len)
{
	char *p = malloc(len ? len : 1);

	if (!p)
		abort();
	if (len)
		memcpy(p, src, len);
	return p;
}

static int parse_head(int resp, struct h1_msg *msg, const uint8_t *in, size_t len,
                      const struct h1_limits *lim)
{
	char *b = dup_exact(in, len);
	int r = resp ? h1_parse_response(msg, b, len, lim) : h1_parse_request(msg, b, len, lim);

	free(b);
	return r;
}

static void head_equal(const struct head *a, const struct head *b)
{
	uint32_t i;

	CHECK(a->ret == b->ret);
	if (a->ret <= 0)
		return;
	CHECK(a->msg.flags == b->msg.flags);
	CHECK(a->msg.body == b->msg.body);
	CHECK(a->msg.meth == b->msg.meth);
	CHECK(a->msg.status == b->msg.status);
	CHECK(a->msg.vminor == b->msg.vminor);
	CHECK(a->msg.content_length == b->msg.content_length);
	CHECK(!memcmp(&a->msg.method, &b->msg.method, sizeof(a->msg.method)));
	CHECK(!memcmp(&a->msg.target, &b->msg.target, sizeof(a->msg.target)));
	CHECK(!memcmp(&a->msg.reason, &b->msg.reason, sizeof(a->msg.reason)));
	CHECK(!memcmp(&a->msg.host, &b->msg.host, sizeof(a->msg.host)));
	CHECK(a->msg.nb_hdrs == b->msg.nb_hdrs);
	for (i = 0; i < a->msg.nb_hdrs; i++)
		CHECK(!memcmp(&a->hdrs[i], &b->hdrs[i], sizeof(a->hdrs[i])));
}

static int is_tchar(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int ieq(const uint8_t *s, uint32_t len, const char *lc)
{
	uint32_t i;

	if (len != strlen(lc))
		return 0;
	for (i = 0; i < len; i++) {
		uint8_t c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c != (uint8_t)lc[i])
			return 0;
	}
	return 1;
}

/* Naive reading of an accepted Content-Length value: digits, commas and
 * spaces only, every number equal to <v>.
 */
static void check_cl_value(const uint8_t *s, uint32_t len, uint64_t v)
{
	uint32_t i = 0;

	while (i < len) {
		uint64_t n = 0;
		uint32_t digits = 0;

		while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			n = n * 10 + (uint64_t)(s[i++] - '0');
			digits++;
			CHECK(n <= INT64_MAX);
		}
		CHECK(digits > 0);
		CHECK(n == v);
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i < len)
			CHECK(s[i++] == ',');
	}
}

/* Naive validity of an accepted head of <in>. */
static void check_accepted(int resp, const struct head *h, const uint8_t *in, uint32_t opts)
{
	uint32_t end = (uint32_t)h->ret, i, j;
	int cl = 0, te = 0, host = 0;

	CHECK(in[end - 1] == '\n');
	for (i = 0; i < end; i++) {
		if (in[i] == '\r')
			CHECK(i + 1 < end && in[i + 1] == '\n');
		if (in[i] == '\n' && !(opts & H1_OPT_ACCEPT_BARE_LF))
			CHECK(i > 0 && in[i - 1] == '\r');
		if (in[i] == 0)
			CHECK(0);
	}
	CHECK(h->msg.vmajor >= 1);
	CHECK(!!(h->msg.flags & H1_MF_VER11) == (h->msg.vmajor > 1 || h->msg.vminor >= 1));
	if (!resp) {
		CHECK(h->msg.method.len > 0);
		for (j = 0; j < h->msg.method.len; j++)
			CHECK(is_tchar(in[h->msg.method.off + j]));
		CHECK(h->msg.target.len > 0);
		for (j = 0; j < h->msg.target.len; j++) {
			CHECK(in[h->msg.target.off + j] > 0x20 && in[h->msg.target.off + j] < 0x7f);
			CHECK(in[h->msg.target.off + j] != '#' || (opts & H1_OPT_ACCEPT_FRAGMENT));
		}
	} else {
		CHECK(h->msg.status >= 100 && h->msg.status <= 999);
	}
	for (i = 0; i < h->msg.nb_hdrs; i++) {
		const struct h1_hdr *f = &h->hdrs[i];

		CHECK(f->n.len > 0);
		for (j = 0; j < f->n.len; j++)
			CHECK(is_tchar(in[f->n.off + j]));
		CHECK(in[f->n.off + f->n.len] == ':');
		for (j = 0; j < f->v.len; j++) {
			uint8_t c = in[f->v.off + j];

			CHECK(c == '\t' || (c >= 0x20 && c != 0x7f));
		}
		if (f->v.len) {
			CHECK(in[f->v.off] != ' ' && in[f->v.off] != '\t');
			CHECK(in[f->v.off + f->v.len - 1] != ' ' && in[f->v.off + f->v.len - 1] != '\t');
		}
		if (ieq(in + f->n.off, f->n.len, "content-length"))
			check_cl_value(in + f->v.off, f->v.len, h->msg.content_length);
		cl += ieq(in + f->n.off, f->n.len, "content-length");
		te += ieq(in + f->n.off, f->n.len, "transfer-encoding");
		if (!resp && ieq(in + f->n.off, f->n.len, "host")) {
			int colons = 0, br = f->v.len && in[f->v.off] == '[';

			for (j = 0; j < f->v.len; j++) {
				uint8_t c = in[f->v.off + j];

				CHECK(c > 0x20 && c < 0x7f && c != ',' && c != '/' && c != '@');
				if (c == ']')
					br = 0;
				colons += (c == ':' && !br);
			}
			CHECK(colons <= 1);
			CHECK(h->msg.host.off == f->v.off && h->msg.host.len == f->v.len);
		}
		host += ieq(in + f->n.off, f->n.len, "host");
	}
	if (!resp) {
		/* at most one Host; an HTTP/1.1 request may have none (passed
		 * on, as HAProxy does), then it is not flagged
		 */
		CHECK(host <= 1);
		CHECK(!!(h->msg.flags & H1_MF_HOST) == host);
		if (te) {
			CHECK(h->msg.body == H1_BODY_CHUNKED);
			CHECK(!cl || (h->msg.flags & (H1_MF_CL | H1_MF_TE)) == (H1_MF_CL | H1_MF_TE));
		} else if (cl)
			CHECK(h->msg.body == H1_BODY_CL);
		else
			CHECK(h->msg.body == H1_BODY_NONE);
	}
	if (te)
		CHECK(h->msg.flags & H1_MF_VER11);
}

static void check_spans(const struct head *h)
{
	uint32_t end = (uint32_t)h->ret, i;
	const struct h1_msg *m = &h->msg;

	CHECK(m->method.off + m->method.len <= end);
	CHECK(m->target.off + m->target.len <= end);
	CHECK(m->reason.off + m->reason.len <= end);
	CHECK(m->host.off + m->host.len <= end);
	CHECK(m->nb_hdrs <= MAXH);
	for (i = 0; i < m->nb_hdrs; i++) {
		CHECK(h->hdrs[i].n.off + h->hdrs[i].n.len <= end);
		CHECK(h->hdrs[i].v.off + h->hdrs[i].v.len <= end);
	}
}

static int fuzz_head(int resp, const uint8_t *in, size_t len, size_t cut,
                     const struct h1_limits *lim)
{
	static struct head whole, part;
	size_t k;

	memset(&whole, 0, sizeof(whole));
	h1_msg_init(&whole.msg, whole.hdrs, MAXH);
	whole.ret = parse_head(resp, &whole.msg, in, len, lim);
	CHECK(whole.ret >= H1_ERR_MIN);
	CHECK(whole.ret <= (int)len);
	if (whole.ret > 0) {
		check_spans(&whole);
		check_accepted(resp, &whole, in, lim->opts);
	}

	memset(&part, 0, sizeof(part));
	h1_msg_init(&part.msg, part.hdrs, MAXH);
	part.ret = parse_head(resp, &part.msg, in, cut, lim);
	if (part.ret == 0)
		part.ret = parse_head(resp, &part.msg, in, len, lim);
	head_equal(&whole, &part);

	if (len <= 300) {
		memset(&part, 0, sizeof(part));
		h1_msg_init(&part.msg, part.hdrs, MAXH);
		for (k = 0, part.ret = 0; k <= len && part.ret == 0; k++)
			part.ret = parse_head(resp, &part.msg, in, k, lim);
		head_equal(&whole, &part);
	}
	return whole.ret;
}

/* Runs the chunked parser over <in>, <first> bytes available first, then
 * all. Returns the end (> 0 consumed when done, 0, or an error) and the
 * data length and checksum.
 */
static int chunk_run(const uint8_t *in, size_t len, size_t first, const struct h1_limits *lim,
                     uint64_t *dlen, uint64_t *sum)
{
	struct h1_chunk ck;
	struct h1_span d;
	size_t off = 0, avail = first;

	*dlen = 0;
	*sum = 0;
	h1_chunk_init(&ck, lim);
	for (;;) {
		char *b = dup_exact(in + off, avail - off);
		int r = h1_chunk_parse(&ck, b, avail - off, &d);
		uint32_t i;

		if (r < 0) {
			free(b);
			CHECK(r >= H1_ERR_MIN);
			return r;
		}
		CHECK((size_t)r <= avail - off);
		CHECK(d.off + d.len <= (uint32_t)r);
		for (i = 0; i < d.len; i++)
			*sum = *sum * 31 + (uint8_t)b[d.off + i];
		*dlen += d.len;
		free(b);
		off += (size_t)r;
		if (h1_chunk_done(&ck))
			return (int)off;
		if (r == 0) {
			if (avail == len)
				return 0;
			avail = len;
		}
	}
}

static void fuzz_chunk(const uint8_t *in, size_t len, size_t cut, const struct h1_limits *lim)
{
	uint64_t l1, s1, l2, s2;
	int r1, r2;

	r1 = chunk_run(in, len, len, lim, &l1, &s1);
	r2 = chunk_run(in, len, cut, lim, &l2, &s2);
	CHECK(r1 == r2);
	if (r1 >= 0) {
		CHECK(l1 == l2);
		CHECK(s1 == s2);
	}
	if (r1 > 0)
		CHECK(in[r1 - 1] == '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h1_limits lim;
	const uint8_t *in;
	size_t len, cut;
	int mode, r;

	if (size < 3)
		return 0;
	h1_limits_init(&lim);
	mode = data[0] & 3;
	if (data[0] & 4)
		lim.opts |= H1_OPT_ACCEPT_BARE_LF;
	if (data[0] & 16)
		lim.opts |= H1_OPT_ACCEPT_FRAGMENT;
	if (data[0] & 8) {
		lim.max_line = 40;
		lim.max_head = 200;
		lim.max_body = 100;
	}
	in = data + 3;
	len = size - 3;
	cut = ((size_t)data[1] << 8 | data[2]) % (len + 1);

	switch (mode) {
	case 0:
	case 1:
		fuzz_head(mode, in, len, cut, &lim);
		break;
	case 2:
		fuzz_chunk(in, len, cut, &lim);
		break;
	case 3:
		r = fuzz_head(0, in, len, cut, &lim);
		if (r > 0) {
			size_t rest = len - (size_t)r;

			fuzz_chunk(in + r, rest, cut % (rest + 1), &lim);
		}
		break;
	}
	return 0;
}
