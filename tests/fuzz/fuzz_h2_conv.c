/*
 * libFuzzer target for the HTTP/2 <-> HTTP/1.1 conversions of the client
 * mux (src/mux/h2_fe_conv.c). The input is read three ways: as request
 * fields ("name\0value\0..." pairs, as nghttp2 hands them over), built into
 * an HTTP/1.1 head with body chunks and trailers; as an HTTP/1.1 response
 * head turned into HTTP/2 fields in a bounded area; as a chunked trailer
 * section. Invariants: no crash, no overread or overrun, the built head
 * within its limit (plus the framing), every field returned inside its
 * area.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/mux/h2_fe_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void request(const char *p, size_t size)
{
	const char *end = p + size;
	struct h2_req r;
	struct h2b out;

	memset(&r, 0, sizeof(r));
	memset(&out, 0, sizeof(out));
	h2_req_init(&r);
	while (p < end) {
		const char *n = p, *nz = memchr(p, 0, (size_t)(end - p)), *v, *vz;

		if (!nz)
			break;
		v = nz + 1;
		vz = v < end ? memchr(v, 0, (size_t)(end - v)) : NULL;
		if (!vz)
			vz = end;
		h2_req_check(&r, n, (size_t)(nz - n), v, (size_t)(vz - v));
		if (h2_req_add(&r, &out, n, (size_t)(nz - n), v, (size_t)(vz - v), 2048) < 0)
			break;
		p = vz + 1;
	}
	h2_req_check_end(&r);
	if (h2_req_build(&r, size & 1, &out) >= 0) {
		if (h2b_len(&out) > 2048 + 64)
			abort();
		h2_req_data(&out, 1, "abc", 3);
		h2_req_add_trailer(&r, "t", 1, "v", 1, 100);
		h2_req_end_chunked(&r, &out);
	}
	h2b_free(&out);
	h2_req_free(&r);
}

/* 1 when [<x>, <x>+<len>) lies inside [<base>, <base>+<size>). */
static int within(const char *x, size_t len, const char *base, size_t size)
{
	return x >= base && len <= size && x - base <= (ptrdiff_t)(size - len);
}

static void response(const char *p, size_t size)
{
	struct h1_hdr hdrs[32];
	struct h1_msg m;
	char area[1024];
	nghttp2_nv *nv;
	int nb;

	h1_msg_init(&m, hdrs, 32);
	if (h1_parse_response(&m, p, size, NULL) <= 0)
		return;
	nb = h2_res_nv(&m, p, area, sizeof(area), &nv);
	/* each name and value lies in <area> (lower-cased copies, the status)
	 * or in the response's own bytes, which the fields point at when they
	 * can; the first name is the constant ":status"
	 */
	for (int i = 0; i < nb; i++) {
		if (!within((char *)nv[i].name, nv[i].namelen, area, sizeof(area)) &&
		    !within((char *)nv[i].name, nv[i].namelen, p, size) &&
		    !(i == 0 && nv[i].namelen == 7 && !memcmp(nv[i].name, ":status", 7)))
			abort();
		if (!within((char *)nv[i].value, nv[i].valuelen, area, sizeof(area)) &&
		    !within((char *)nv[i].value, nv[i].valuelen, p, size))
			abort();
	}
}

static void trailers(const char *p, size_t size)
{
	struct h2b b;
	nghttp2_nv *nv;
	int nb;

	memset(&b, 0, sizeof(b));
	if (h2b_put(&b, p, size) < 0)
		return;
	nb = h2_trailers_nv(&b, &nv);
	if (nb > 0 && (size_t)nb > size)
		abort();
	if (nb >= 0)
		free(nv);
	h2b_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	if (size > 8192)
		return 0;
	copy = malloc(size ? size : 1);   /* exact size: ASan catches an overread */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	request(copy, size);
	response(copy, size);
	trailers(copy, size);
	free(copy);
	return 0;
}
