/*
 * libFuzzer target for the editable heads (http_msg.h): what the rules do
 * to a parsed request before it is written out for a server.
 *
 * Input: byte 0 = number of edits (low 4 bits); then the edits, each a
 * byte <op> followed by a length byte and that many bytes of argument;
 * then, after the edits, the request itself.
 *
 * The authority normalization the stream applies after parsing runs
 * first, on every request.
 *
 * Invariants checked (abort on violation):
 *  - no crash, no read past the arena or the received bytes (ASan);
 *  - an edit either succeeds or fails with -EINVAL/-ENOSPC and leaves the
 *    head as valid as it was;
 *  - the written head parses again with the strict parser, and gives back
 *    exactly the edited view: method, target, version, fields in order
 *    (name and value) — so no edit can smuggle a CR/LF, a control byte or
 *    a broken start line towards a server.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/h1.h>
#include <tollgate/http_msg.h>

#define MAXF 64

/* Names edits may use: never the framing fields, whose rewriting is the
 * configuration's responsibility (a rule may set Content-Length...).
 */
static const char *const names[] = { "x-a", "X-B", "cookie", "accept", "x-forwarded-for" };

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "invariant violated: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct h1_hdr hdrs[MAXF], hdrs2[MAXF];
	static struct http_field fields[MAXF + 16];
	static char arena[2048], out[32768];
	struct h1_msg msg, msg2;
	struct http_head hh;
	size_t pos = 1, n;
	unsigned int nedits;
	char *req, *copy;
	int r;

	if (size < 1)
		return 0;
	nedits = data[0] & 0x0f;
	/* skip over the edits to find the request */
	for (unsigned int i = 0; i < nedits; i++) {
		if (pos + 2 > size)
			return 0;
		pos += 2 + data[pos + 1];
	}
	if (pos > size)
		return 0;
	req = malloc(size - pos + 1);
	if (!req)
		return 0;
	memcpy(req, data + pos, size - pos);
	h1_msg_init(&msg, hdrs, MAXF);
	r = h1_parse_request(&msg, req, size - pos, NULL);
	if (r <= 0) {
		free(req);
		return 0;
	}
	http_head_init(&hh, fields, MAXF + 16, arena, sizeof(arena));
	check(http_head_load(&hh, &msg, req) == 0, "load");
	/* as the stream does first: the authority normalization, whose
	 * result must stay a target the parser accepts
	 */
	r = http_normalize_authority(&hh);
	check(r == 0 || r == -ENOSPC, "normalize");
	check(h1_target_valid(hh.m, hh.uri, hh.uri_len), "normalized target");

	pos = 1;
	for (unsigned int i = 0; i < nedits; i++) {
		uint8_t op = data[pos];
		size_t len = data[pos + 1];
		const char *arg = (const char *)data + pos + 2;
		const char *name = names[op % 5];
		int e = 0;

		pos += 2 + len;
		switch ((op >> 3) % 9) {
		case 0: e = http_hdr_add(&hh, name, strlen(name), arg, len); break;
		case 1: e = http_hdr_set(&hh, name, strlen(name), arg, len); break;
		case 2: http_hdr_del(&hh, name, strlen(name)); break;
		case 3: e = http_set_path(&hh, arg, len); break;
		case 4: e = http_set_query(&hh, arg, len); break;
		case 5: e = http_set_method(&hh, arg, len); break;
		case 6: e = http_set_uri(&hh, arg, len); break;
		case 7: {
			int idx = -1;

			if (http_hdr_next(&hh, name, strlen(name), &idx) >= 0)
				e = http_hdr_set_value(&hh, idx, arg, len);
			break;
		}
		default: {
			/* walk the comma-separated elements of every field */
			for (uint32_t f = 0; f < hh.nf; f++) {
				size_t p = 0, el;
				const char *ep;
				unsigned int guard = 0;

				if (!hh.f[f].n)
					continue;
				while (http_value_next(hh.f[f].v, hh.f[f].vlen, &p, &ep, &el)) {
					check(ep >= hh.f[f].v && ep + el <= hh.f[f].v + hh.f[f].vlen, "element within value");
					check(++guard <= hh.f[f].vlen + 2, "elements terminate");
				}
			}
		}
		}
		check(e == 0 || e == -EINVAL || e == -ENOSPC, "edit result");
	}

	n = http_head_write(&hh, 1, out, sizeof(out));
	if (!n) {
		free(req);
		return 0;   /* did not fit: the engine answers 500 */
	}
	/* the written head, alone, in an exact-size copy */
	copy = malloc(n);
	check(copy != NULL, "alloc");
	memcpy(copy, out, n);
	h1_msg_init(&msg2, hdrs2, MAXF);
	r = h1_parse_request(&msg2, copy, n, NULL);
	if (r == H1_ERR_TOO_MANY_HDRS || r == H1_ERR_HEAD_TOO_LARGE || r == H1_ERR_URI_TOO_LONG) {
		free(copy);
		free(req);
		return 0;   /* limits: the edits made it longer than a server accepts */
	}
	check(r == (int)n, "written head parses back whole");
	check(msg2.method.len == hh.meth_len && !memcmp(copy + msg2.method.off, hh.meth, hh.meth_len), "method");
	check(msg2.target.len == hh.uri_len && !memcmp(copy + msg2.target.off, hh.uri, hh.uri_len), "target");
	check(msg2.vminor == hh.vminor, "version");
	{
		uint32_t k = 0;

		for (uint32_t f = 0; f < hh.nf; f++) {
			if (!hh.f[f].n)
				continue;
			check(k < msg2.nb_hdrs, "field count");
			check(msg2.hdrs[k].n.len == hh.f[f].nlen &&
			      !memcmp(copy + msg2.hdrs[k].n.off, hh.f[f].n, hh.f[f].nlen), "field name");
			{
				/* the parser trims surrounding spaces of a value */
				const char *v = hh.f[f].v;
				size_t vl = hh.f[f].vlen;

				while (vl && (*v == ' ' || *v == '\t')) {
					v++;
					vl--;
				}
				while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
					vl--;
				check(msg2.hdrs[k].v.len == vl && !memcmp(copy + msg2.hdrs[k].v.off, v, vl), "field value");
			}
			k++;
		}
		check(k == msg2.nb_hdrs, "no extra field");
	}
	free(copy);
	free(req);
	return 0;
}
