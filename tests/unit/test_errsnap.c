/*
 * Error snapshots (errsnap.h): what a capture records (position of the
 * error, HAProxy's parser state, bounded copy), one per proxy and
 * direction, the event count, and the copies the admin socket takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/errsnap.h>
#include <tollgate/h1.h>
#include <tollgate/proxy.h>

/* Parses <req> as a request head; returns the H1_ERR_* it fails with. */
static int parse_fails(const char *req, struct h1_msg *msg, struct h1_hdr *hdrs)
{
	h1_msg_init(msg, hdrs, 32);
	return h1_parse_request(msg, req, strlen(req), NULL);
}

static struct err_snap *only_copy(void)
{
	int oom;
	struct err_snap *e = errsnap_copy(&oom);

	assert_false(oom);
	return e;
}

static void free_copies(struct err_snap *e)
{
	while (e) {
		struct err_snap *n = e->next;

		free(e);
		e = n;
	}
}

static void test_capture_and_replace(void **state)
{
	static const char bad_uri[] = "GET /a\x01" "b HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char bad_name[] = "GET / HTTP/1.1\r\nBad Header\r\n\r\n";
	struct proxy px = { .id = "fe", .uuid = 2 }, *saved = proxies_list;
	struct h1_hdr hdrs[32];
	struct h1_msg msg;
	struct err_snap *e;
	unsigned int before = errsnap_total();
	int r;

	proxies_list = &px;
	r = parse_fails(bad_uri, &msg, hdrs);
	assert_true(r < 0);
	errsnap_capture(&px, ERRSNAP_REQ, NULL, NULL, NULL, bad_uri, strlen(bad_uri), 16384, &msg, r);
	e = only_copy();
	assert_non_null(e);
	assert_null(e->next);
	assert_string_equal(e->px, "fe");
	assert_int_equal(e->uuid, 2);
	assert_int_equal(e->oe_uuid, -1);
	assert_int_equal(e->srv_puid, -1);
	assert_int_equal(e->event, before);
	assert_int_equal(e->len, strlen(bad_uri));
	assert_memory_equal(e->data, bad_uri, e->len);
	assert_int_equal(e->pos, 6);                  /* the \x01 */
	assert_string_equal(e->state_name, "MSG_RQURI");
	free_copies(e);

	/* a second invalid request replaces the first; the count goes on */
	r = parse_fails(bad_name, &msg, hdrs);
	assert_int_equal(r, H1_ERR_HDR_NAME);
	errsnap_capture(&px, ERRSNAP_REQ, NULL, NULL, NULL, bad_name, strlen(bad_name), 16384, &msg, r);
	e = only_copy();
	assert_null(e->next);
	assert_int_equal(e->event, before + 1);
	assert_int_equal(e->pos, 19);                 /* the blank in "Bad Header" */
	assert_string_equal(e->state_name, "MSG_HDR_NAME");
	assert_int_equal(e->state, 17);
	free_copies(e);
	assert_int_equal(errsnap_total(), before + 2);

	/* the copy is bounded by the buffer size */
	errsnap_capture(&px, ERRSNAP_RES, &px, NULL, NULL, bad_name, strlen(bad_name), 8, &msg, r);
	e = only_copy();
	assert_non_null(e->next);
	assert_int_equal(e->next->dir, ERRSNAP_RES);
	assert_int_equal(e->next->len, 8);
	assert_int_equal(e->next->oe_uuid, 2);
	free_copies(e);

	errsnap_free(&px);
	e = only_copy();
	assert_null(e);
	proxies_list = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_and_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
