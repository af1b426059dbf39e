/*
 * Health checks.
 *
 * Every server with `check` gets one check: a task local to one worker
 * (servers are spread over the workers), which every `inter` opens a TCP
 * connection to the server and reports success once connected (and, with
 * `option tcp-check`, once its send/expect steps pass). `rise` consecutive
 * successes bring a DOWN server UP, `fall` consecutive failures bring an UP
 * server DOWN (server_set_state(), logged); a checked server starts UP
 * but one failure from DOWN (health = rise), as HAProxy. With `option
 * log-health-checks`, each result whose status differs from the previous
 * one's, or that moves the health, is logged at notice level ("Health
 * check for server be/srv succeeded, reason: ..., status: 1/1 UP."). The
 * interval is `fastinter`
 * while a transition is in progress and `downinter` while down, both
 * defaulting to `inter`. A plain check's connect is bounded by `timeout
 * check` (or `timeout connect`), capped by `inter`.
 *
 * With `option tcp-check` and rules (tcpcheck.h), a probe runs the steps in
 * order on the check's worker, without blocking: the task is woken by its
 * socket's events and by its deadline, which is `inter` for the whole
 * probe, or, with `timeout check`, `timeout connect` (capped by `inter`) for
 * each connect and `timeout check` from the established connection on, as
 * HAProxy. Failures give HAProxy's reasons ("Layer7 invalid response,
 * info: \"TCPCHK did not match content '+PONG' at step 2\"", "Layer7
 * timeout", "Layer4 connection problem"...), logged with the server's state
 * change and, at each change of result or failure status, in a "Health
 * check for server X/Y failed" line.
 *
 * With `option httpchk` (and no `option tcp-check` set after it), a probe
 * connects, sends one HTTP/1.x request (over HTTP/2 for a `proto h2`
 * server or with `check-proto h2`) built from the proxy's pr_httpchk
 * (default "OPTIONS / HTTP/1.0"), reads the response into TCPCHK_BUFSIZE
 * bytes, parses its head with h1_parse_response() and applies the
 * `http-check expect` rule (default: a 2xx or 3xx status passes). The
 * reasons are HAProxy's: "Layer7 check passed, code: 200, info: \"OK\"",
 * "Layer7 wrong status, code: 500, info: \"Internal Server Error\"",
 * "Layer7 invalid response, info: \"...\"", "Layer7 timeout". Regexes
 * (`rstatus`, `rstring`) are POSIX extended, validated at parse time and
 * compiled once per proxy by checks_start() into pr_httpchk.expect_re,
 * which checks_stop() frees; workers only read them (regexec() is
 * thread-safe on a shared compiled regex).
 *
 * Each server's last check status is readable from any thread as HAProxy's
 * short code (check_status_name(): "L4OK", "L7STS"...) and the HTTP code of
 * its last HTTP check (check_status_code()).
 */
#ifndef TOLLGATE_CHECK_H
#define TOLLGATE_CHECK_H

#include <stddef.h>

#include <tollgate/var_action.h>

struct server;
struct pr_httpchk;
struct var_store;

/* What the sample expressions of a health check (`http-check set-var`,
 * `uri-lf`, `body-lf`, `hdr` values) see through sample_ctx.chk: the
 * checked server (be_name, be_id, srv_name, srv_id) and the check's
 * variables. Scope "check" lives there; so do sess, txn, req and res,
 * which a check has no other store for. Emptied at each probe's start,
 * as HAProxy prunes them at each run. The check's thread only.
 */
struct check_smp {
	struct server *srv;          /* the checked server */
	struct var_store *vars;      /* allocated at the first set, or NULL */
};

/* An `http-check set-var|set-var-fmt|unset-var` line (pr_httpchk.vars).
 * Those before the stage's `send` run when the stage starts, before its
 * request is built; those after it, once its expect passed.
 */
struct httpchk_var {
	struct var_action va;
	int after_send;              /* came after the stage's `send` */
};

/* Kinds of `http-check expect` (pr_httpchk.expect_kind). */
#define HTTPCHK_EXP_DEFAULT  0   /* none: 2xx and 3xx pass */
#define HTTPCHK_EXP_STATUS   1   /* `status <list>`: codes and ranges "200,300-399" */
#define HTTPCHK_EXP_RSTATUS  2   /* `rstatus <regex>` on the 3-digit code */
#define HTTPCHK_EXP_STRING   3   /* `string <text>` found in the body */
#define HTTPCHK_EXP_RSTRING  4   /* `rstring <regex>` found in the body */
#define HTTPCHK_EXP_HDR      5   /* `hdr name <p> [value <p>]`: a header (values split at commas) */
#define HTTPCHK_EXP_FHDR     6   /* `fhdr ...`: the same on whole values */

/* How a `hdr`/`fhdr` pattern matches (`name-match`, `value-match`);
 * names compare without case, values with it.
 */
#define HTTPCHK_M_STR        0   /* equal (the default) */
#define HTTPCHK_M_BEG        1   /* a prefix */
#define HTTPCHK_M_END        2   /* a suffix */
#define HTTPCHK_M_SUB        3   /* a substring */
#define HTTPCHK_M_REG        4   /* a POSIX extended regex */

/* Longest HTTP check request (request line and fields), in bytes. */
#define HTTPCHK_REQ_MAX      2048

/* Creates and schedules the checks of every checked server. After
 * thread_setup(), before thread_start(). Returns 0, -ENOMEM, or -EINVAL
 * (an HTTP check request that is longer than HTTPCHK_REQ_MAX, logged).
 */
int checks_start(void);

/* Frees the checks (workers stopped), and the regexes checks_start()
 * compiled.
 */
void checks_stop(void);

/* Returns HAProxy's short name of the status of <srv>'s last check
 * ("L4OK", "L4TOUT", "L4CON", "L7OK", "L7STS", "L7RSP", "L7TOUT"), "INI"
 * before the first result, or "" when the server is not checked. Any
 * thread; the name is a constant.
 */
const char *check_status_name(const struct server *srv);

/* As check_status_name() for <srv>'s agent check ("" without one). */
const char *check_agent_status_name(const struct server *srv);

/* Returns the health counter of <srv>'s check (0..rise+fall-1, up at or
 * above rise), or -1 when the server is not checked. Any thread.
 */
int check_health(const struct server *srv);

/* "enable|disable health|agent": pauses or resumes <srv>'s health check
 * (<agent> 0) or agent check (1). A paused check starts no probe, ignores
 * the result of one running when it was paused (the server's state and
 * weight stay as they are; check_status_name() keeps the last status);
 * resuming starts probing again at the next interval. Any thread (an atomic flag the check's own thread reads).
 * Returns 0, or -ENOENT if <srv> has no such check.
 */
int check_set_enabled(struct server *srv, int agent, int enabled);

/* Returns 1 if <srv> has a health check (<agent> 0) or an agent check (1)
 * that is not paused. Any thread.
 */
int check_enabled(const struct server *srv, int agent);

/* Returns the HTTP status code of <srv>'s last check if it got one (HTTP
 * checks), else 0. Any thread.
 */
int check_status_code(const struct server *srv);

/* Returns 1 if the HTTP status <code> is in <list>, a comma-separated list
 * of codes and ranges ("200", "200,204", "200-299,302"), 0 if not, or
 * -EINVAL if <list> is malformed (empty element, not 3 digits between 100
 * and 999, a range whose bounds are reversed). Pure; call it with code 0 to
 * validate a list.
 */
int httpchk_status_in(const char *list, int code);

/* Builds the check request of <hc> into <out> of <size> bytes: the request
 * line (defaults OPTIONS, /, HTTP/1.0), the `hdr` fields, "Connection:
 * close" for HTTP/1.1 unless they have a Connection field, a
 * Content-Length with a body (or a method other than OPTIONS, GET, HEAD,
 * DELETE), and the body, as HAProxy sends them. Returns its length, or -ENOSPC.
 */
int httpchk_build_request(const struct pr_httpchk *hc, char *out, size_t size);

/* Same as httpchk_build_request() with the URI (NULL or empty: "/"), the
 * header fields ("Name: value\r\n" each, or NULL) and the body (or NULL)
 * given: the rendered log-formats of a stage with `uri-lf`, `body-lf` or
 * log-format header values.
 */
int httpchk_format_request(const struct pr_httpchk *hc, const char *uri, const char *hdrs, const char *body,
                           char *out, size_t size);

/* Result of httpchk_eval(). */
#define HTTPCHK_MORE     0     /* undecided: the response is incomplete */
#define HTTPCHK_OK       1     /* the check passes */
#define HTTPCHK_FAIL    (-1)   /* the check fails */

/* Evaluates the response held in <buf>[0..<len>) (with one writable byte
 * after <len>, set to NUL for the regex) against the expect rule of <hc>,
 * <re> being its compiled regex (a regex_t *, NULL unless rstatus/rstring).
 * <last> is 1 when no more bytes can come (end of stream or buffer full).
 * Returns HTTPCHK_MORE until the response head (and, for string kinds, the
 * body: its Content-Length, its last chunk, or the end of the stream) is
 * there, then HTTPCHK_OK or HTTPCHK_FAIL with *<code> set to the status (0
 * if none could be read) and <why> (of <why_size> bytes) set to the reason
 * in HAProxy's words, without the check duration.
 */
int httpchk_eval(const struct pr_httpchk *hc, const void *re, char *buf, size_t len, int last,
                 int *code, char *why, size_t why_size);

/* Writes <len> bytes of <s> into <out> of <size> bytes with non-printable
 * bytes, quotes and backslashes escaped, cut after 64 input bytes ("...").
 * Patterns and comments are kept short in reasons: server_set_state()
 * formats its whole line in 512 bytes.
 * Pure; for the reasons of check results.
 */
void check_escape_bytes(char *out, size_t size, const char *s, size_t len);

/* Returns 1 if a stage of <hc> (or a later one) has variables or
 * log-formats (uri-lf, body-lf, a header value with a '%'): its request is
 * built at each probe. Else 0.
 */
int httpchk_dynamic(const struct pr_httpchk *hc);

/* Frees the strings and compiled regex of <hc> and its later stages, and
 * zeroes it.
 * Configuration teardown only (no check running).
 */
void httpchk_free(struct pr_httpchk *hc);

#endif /* TOLLGATE_CHECK_H */
