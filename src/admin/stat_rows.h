/*
 * The values of `show info` (cli_info.c) and the rows of `show stat`
 * (cli_proxy.c), for
 * the admin modules that export them in another format (promex.c) or over
 * HTTP (stats_page.c). Private to src/admin/.
 *
 * Values are text, as `show info` and `show stat` print them: a row holds
 * one text per CSV column, "" where Tollgate has no value (HAProxy's empty
 * field). Reading them takes no lock: counters are per-thread and summed
 * with relaxed loads (counters.h), states are atomics, and the fields the
 * admin socket changes (server flags, weights, maxconn) change under thread
 * isolation, so any worker may build them, as `show stat` does on worker 0.
 */
#ifndef TOLLGATE_ADMIN_STAT_ROWS_H
#define TOLLGATE_ADMIN_STAT_ROWS_H

#include <stddef.h>
#include <stdint.h>

struct proxy;
struct server;
struct stat_row;

/* ---- formats ---- */

/* Output formats of show info / show stat. */
enum stat_fmt { FMT_PLAIN = 0, FMT_TYPED, FMT_JSON };

/* Parses the format words (typed, json; float is accepted and ignored)
 * from <args>[<first>..<argc>). Returns the format.
 */
enum stat_fmt stat_parse_fmt(int argc, char **args, int first);

/* Returns 1 if the words <args>[<first>..<argc>) hold `desc` (the typed
 * and plain formats then end each field with its description), else 0.
 */
int stat_parse_desc(int argc, char **args, int first);

/* Appends the `"tags":{...},"value":{...}` part of a JSON field of typed
 * tags <tags> (HAProxy's letters), type <type> ("u32", "u64", "str") and
 * value <v> to <out> (at <*n>, <room> bytes). Returns 0, or -1 if it does
 * not fit.
 */
int stat_json_tags_value(char *out, size_t room, size_t *n, const char *tags, const char *type,
                         const char *v);

/* ---- show info ---- */

#define STAT_INFO_FIELDS 77   /* keys `show info` prints */
#define STAT_INFO_VALSZ  64   /* bytes of one value, NUL included */

/* The `show info` values, taken at one instant (stat_info_fill()). */
struct stat_info {
	char v[STAT_INFO_FIELDS][STAT_INFO_VALSZ]; /* by key, in `show info` order */
};

/* Fills <inf> with the process's current values. Any thread. */
void stat_info_fill(struct stat_info *inf);

/* Samples the counters behind `show info`'s rates (BytesOutRate). Run
 * every STAT_SAMPLE_MS by the admin socket's thread only.
 */
void stat_info_sample(void);

/* Returns the value of `show info` key <key> ("Nbthread", "CurrConns",
 * ...) in <inf>. <key> must be one `show info` prints (a bug otherwise).
 */
const char *stat_info_get(const struct stat_info *inf, const char *key);

/* ---- show stat ---- */

/* clock_mono_ns() when the process started (cli_info.c). */
uint64_t stat_start_ns(void);

/* Raises the rate maxima of every proxy and server (rate_max,
 * conn_rate_max, req_rate_max) to the current rates. Any thread; run
 * every STAT_SAMPLE_MS by a task of the admin socket's thread, and by
 * every reader of the rows.
 */
void stat_rates_sample(void);

#define STAT_SAMPLE_MS 200

#define STAT_NCOLS 121        /* columns of show stat */

/* The columns' names, in HAProxy 3.x's order (stat_cols.c). */
extern const char *const stat_cols[STAT_NCOLS];

/* Typed tags and value type of each column ("MCPP:u64") for a frontend
 * [0], a backend [1] and a server [2], as HAProxy 3.x.
 */
extern const char *const stat_col_tags[STAT_NCOLS][3];

/* Each column's description (`show stat typed desc`): HAProxy 2.6's, or
 * 3.x's for the columns 2.6 does not have.
 */
extern const char *const stat_col_desc[STAT_NCOLS];

/* Returns the value of column <name> ("scur", "hrsp_2xx", ...) in <r>, ""
 * when empty. <name> must be one of `show stat`'s columns (a bug otherwise).
 */
const char *stat_row_get(const struct stat_row *r, const char *name);

/* Returns the proxy <r> describes (its frontend, backend or server's). */
const struct proxy *stat_row_proxy(const struct stat_row *r);

/* Returns the server <r> describes, NULL for a frontend or backend row. */
const struct server *stat_row_server(const struct stat_row *r);

/* Writes `show stat`'s CSV line for <r>, or its header line ("# pxname,
 * svname,...,") if <r> is NULL, into <out> (<room> bytes): every field
 * followed by a comma, then a line feed; no NUL. The CLI and the stats
 * page's CSV export both write with it, so they print the same bytes.
 * Returns the line's length, or -1 if it does not fit in <room> (<out> then
 * holds a part of it).
 */
int stat_csv_line(const struct stat_row *r, char *out, size_t room);

/* Writes row <r> in format <fmt> into <out>: its CSV line (stat_csv_line()),
 * or one typed line per filled column (ending with the column's
 * description if <desc>), or one JSON array of fields, preceded by a comma
 * unless <first>. Returns the bytes written, or -1 if they do not fit in
 * <room>. `show stat` and the stats page's `;json` export write with it.
 */
int stat_row_format(const struct stat_row *r, enum stat_fmt fmt, int first, int desc, char *out,
                    size_t room);

/* Which server rows `show stat` and the stats page leave out (HAProxy's
 * `up` / `;up` and `no-maint` / `;no-maint`).
 */
#define STAT_HIDE_DOWN  0x1          /* servers in maintenance or stopped */
#define STAT_HIDE_MAINT 0x2          /* servers in maintenance */

/* The JSON schema of `show info json` and `show stat json` (`show schema
 * json`, the stats page's `;json-schema`), <stat_json_schema_len> bytes.
 */
extern const char stat_json_schema[];
extern const size_t stat_json_schema_len;

/* Calls <cb>(row, <arg>) on every row of `show stat`, in its order: for
 * each proxy, its frontend row, its servers' rows, its backend row; the
 * server rows <hide> (STAT_HIDE_*) asks for left out, and then (<hide> not
 * 0) each backend's status followed by its servers up and its servers,
 * "UP (1/2)", as HAProxy. Stops
 * at the first non-zero return of <cb> and returns it; returns 0 after the
 * last row, -ENOMEM if the scratch row cannot be allocated. A row is only
 * valid during its call. Cost: O(rows x threads), counters summed.
 */
int stat_rows_foreach(int hide, int (*cb)(const struct stat_row *r, void *arg), void *arg);

#endif /* TOLLGATE_ADMIN_STAT_ROWS_H */
