/*
 * HTTP/1.1 parser micro-benchmark: heads parsed per second, one thread.
 *
 *  - h1_parse_request: a typical browser request (about 500 bytes, 10
 *    header fields), parsed whole from a fresh h1_msg each time;
 *  - h1_parse_request_split: the same request arriving in two reads (the
 *    second call resumes at the first incomplete line);
 *  - h1_parse_response: a typical response head (about 300 bytes);
 *  - h1_chunk_parse: a 64 kB chunked body of 4 kB chunks, in MB/s.
 *
 * Usage: bench_h1 [quick]
 * Output, one line per measurement:
 *   h1_parse_request bytes=N mreq_per_s=X
 *   h1_parse_request_split bytes=N mreq_per_s=X
 *   h1_parse_response bytes=N mres_per_s=X
 *   h1_chunk_parse bytes=N mb_per_s=X
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/h1.h>

static const char req[] =
	"GET /wiki/Hypertext_Transfer_Protocol?action=view&section=3 HTTP/1.1\r\n"
	"Host: en.wikipedia.org\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8\r\n"
	"Accept-Language: en-US,en;q=0.5\r\n"
	"Accept-Encoding: gzip, deflate, br\r\n"
	"Referer: https://en.wikipedia.org/wiki/Main_Page\r\n"
	"Connection: keep-alive\r\n"
	"Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark\r\n"
	"Upgrade-Insecure-Requests: 1\r\n"
	"Cache-Control: max-age=0\r\n"
	"\r\n";

static const char res[] =
	"HTTP/1.1 200 OK\r\n"
	"Date: Mon, 23 Nov 2026 04:00:00 GMT\r\n"
	"Server: nginx\r\n"
	"Content-Type: text/html; charset=UTF-8\r\n"
	"Content-Length: 48213\r\n"
	"Last-Modified: Sun, 22 Nov 2026 12:00:00 GMT\r\n"
	"Connection: keep-alive\r\n"
	"ETag: \"5f2b-5e1c3a7b\"\r\n"
	"Cache-Control: private, s-maxage=0, max-age=0, must-revalidate\r\n"
	"Accept-Ranges: bytes\r\n"
	"\r\n";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Keeps the compiler from dropping the work. */
static volatile uint64_t sink;

static double bench_head(int resp, const char *msg, size_t len, size_t split, long n)
{
	struct h1_hdr hdrs[H1_DEF_MAX_HDRS];
	struct h1_msg m;
	uint64_t t0, t1, acc = 0;
	long i;
	int r;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		h1_msg_init(&m, hdrs, H1_DEF_MAX_HDRS);
		if (split) {
			r = h1_parse_request(&m, msg, split, NULL);
			if (r != 0)
				abort();
		}
		r = resp ? h1_parse_response(&m, msg, len, NULL) : h1_parse_request(&m, msg, len, NULL);
		if (r != (int)len)
			abort();
		acc += m.nb_hdrs + m.flags;
	}
	t1 = now_ns();
	sink += acc;
	return (double)n / ((double)(t1 - t0) / 1e9) / 1e6;
}

static double bench_chunk(long n, size_t *bytes)
{
	static char body[70000];
	size_t off = 0, i;
	uint64_t t0, t1, acc = 0;
	long k;

	for (i = 0; i < 16; i++) {
		off += (size_t)sprintf(body + off, "1000;ext=x\r\n");
		memset(body + off, 'd', 4096);
		off += 4096;
		memcpy(body + off, "\r\n", 2);
		off += 2;
	}
	memcpy(body + off, "0\r\n\r\n", 5);
	off += 5;
	*bytes = off;

	t0 = now_ns();
	for (k = 0; k < n; k++) {
		struct h1_chunk ck;
		struct h1_span d;
		size_t p = 0;

		h1_chunk_init(&ck, NULL);
		while (!h1_chunk_done(&ck)) {
			int r = h1_chunk_parse(&ck, body + p, off - p, &d);

			if (r <= 0)
				abort();
			acc += d.len;
			p += (size_t)r;
		}
	}
	t1 = now_ns();
	sink += acc;
	return (double)off * (double)n / ((double)(t1 - t0) / 1e9) / 1e6;
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && !strcmp(argv[1], "quick");
	long n = quick ? 200000 : 3000000;
	size_t rl = sizeof(req) - 1, sl = sizeof(res) - 1, cl;
	double v;

	bench_head(0, req, rl, 0, n / 10);   /* warm up */
	v = bench_head(0, req, rl, 0, n);
	printf("h1_parse_request bytes=%zu mreq_per_s=%.2f\n", rl, v);
	v = bench_head(0, req, rl, rl / 2, n);
	printf("h1_parse_request_split bytes=%zu mreq_per_s=%.2f\n", rl, v);
	v = bench_head(1, res, sl, 0, n);
	printf("h1_parse_response bytes=%zu mres_per_s=%.2f\n", sl, v);
	v = bench_chunk(n / 100, &cl);
	printf("h1_chunk_parse bytes=%zu mb_per_s=%.0f\n", cl, v);
	return 0;
}
