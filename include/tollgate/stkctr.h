/*
 * Stick counters: a stream's tracked stick-table entries (`track-sc0..N`)
 * and the counters updated on them as events happen, with HAProxy's
 * semantics:
 *
 *   tracking starts      conn_cnt +1, conn_cur +1, conn_rate +1
 *   session accepted     sess_cnt +1, sess_rate +1 (after tcp-request
 *                        connection rules; at once when tracked later)
 *   bytes forwarded      bytes_in_* (client to server), bytes_out_*
 *   HTTP request         http_req_cnt +1, http_req_rate +1 on every tracked
 *                        entry (an entry tracked by an http-request rule
 *                        counts the request being processed at once)
 *   HTTP 4xx to client   http_err_cnt +1, http_err_rate +1
 *   HTTP 5xx / no answer http_fail_cnt +1, http_fail_rate +1
 *   tracking ends        conn_cur -1, whatever the path; reference dropped
 *
 * Who owns a tracked counter (HAProxy's session and stream levels):
 *
 *   STKCTR_OWN_SESS      tracked by tcp-request connection/session rules,
 *                        or content rules in mode tcp: the connection's,
 *                        kept until the stream ends; every transaction of
 *                        the connection sees it
 *   STKCTR_OWN_TXN       tracked by http-request rules, or tcp-request
 *                        content rules of an HTTP request: the transaction's,
 *                        released when it ends (stkctr_release_txn()), so
 *                        the next request of a keep-alive connection tracks
 *                        its own key; no session is counted on it
 *
 * A counter number holds one entry at a time: one tracked by the session
 * stays in place for every transaction, and a track-sc of that number by
 * an http-request rule does nothing (HAProxy's streams inherit their
 * session's counters the same way). Events (requests, errors, bytes) are
 * counted on every tracked entry, whoever owns it.
 *
 * Every update touches the entry (its expiry restarts) as a local update,
 * so it replicates. A stream's counters belong to its thread; the entries
 * are shared and updated with atomics (stktable.h).
 */
#ifndef TOLLGATE_STKCTR_H
#define TOLLGATE_STKCTR_H

#include <stdint.h>

#include <tollgate/global.h>
#include <tollgate/sample-t.h>
#include <tollgate/stktable.h>

/* One tracked entry. */
struct stkctr {
	struct stktable *table;         /* its table, NULL if not tracking */
	struct stksess *entry;          /* the entry, a reference held */
};

/* Owner of a tracked counter (see above). */
enum stkctr_owner {
	STKCTR_OWN_SESS = 0,            /* the connection: released at the stream's end */
	STKCTR_OWN_TXN,                 /* the HTTP transaction: released at its end */
};

/* The counters of a stream. */
struct stkctrs {
	struct stkctr c[GLOBAL_MAX_STICKCTR]; /* sc0, sc1... */
	unsigned int tracked;           /* bitmask of tracked counters */
	unsigned int txn_owned;         /* bits of <tracked> owned by the transaction */
	unsigned int inherited;         /* bits of <tracked> the connection tracks (stkctr_inherit) */
	int sess_counted;               /* session counters already bumped */
};

/* Converts sample <smp> into a key of table <t> in <buf> (at least
 * STKTABLE_MAX_KEY_LEN + 16 bytes). Returns 1 with <key> set, or 0 if the
 * sample cannot be a key of that type (e.g. a string for an ip table).
 */
int stkctr_smp_to_key(const struct stktable *t, struct sample *smp, void *buf,
                      struct stktable_key *key);

/* Starts tracking <key> of <t> in counter <idx> of <sc> for <owner>,
 * unless already tracked; bumps the connection counters, and the session
 * ones if <sc>->sess_counted and <owner> is the session. Returns 0,
 * -EEXIST if already tracked (nothing done), or -ENOMEM / -ENOSPC if the
 * entry could not be created.
 */
int stkctr_track(struct stkctrs *sc, unsigned int idx, struct stktable *t,
                 const struct stktable_key *key, enum stkctr_owner owner);

/* Lets the stream counters <sc> see the entries its multiplexed connection
 * tracks in <conn> (HTTP/2: `tcp-request connection|session track-sc`)
 * where <sc> tracks none, as HAProxy's streams see their session's: they
 * are sc0_*, count the stream's requests, bytes and errors. Each holds a
 * reference of its own, dropped at release without conn_cur -1 (the
 * connection's). Same thread as <conn>'s owner.
 */
void stkctr_inherit(struct stkctrs *sc, const struct stkctrs *conn);

/* Bumps the session counters of every tracked entry (once per stream). */
void stkctr_session_start(struct stkctrs *sc);

/* Adds <in> bytes received from the client and <out> bytes sent to it. */
void stkctr_add_bytes(struct stkctrs *sc, uint64_t in, uint64_t out);

/* Counts one HTTP request on the tracked entries of <mask> (bits of
 * <sc>->tracked; ~0U: all).
 */
void stkctr_http_req(struct stkctrs *sc, unsigned int mask);

/* Counts one HTTP client error (4xx) / server failure (5xx) on every
 * tracked entry.
 */
void stkctr_http_err(struct stkctrs *sc);
void stkctr_http_fail(struct stkctrs *sc);

/* Counts <n> glitches (protocol abuses of the connection, e.g. HTTP/2
 * streams reset by the client) on every tracked entry.
 */
void stkctr_glitch(struct stkctrs *sc, uint32_t n);

/* HAProxy's legacy counters use the first elements of the arrays when
 * table <t> stores the array (gpc(N)...) and not them: gpc0 is gpc[0],
 * gpc1 gpc[1], gpc0_rate/gpc1_rate gpc_rate[0]/[1], gpt0 gpt[0]. Maps
 * <*type> and <*idx> so; leaves them alone otherwise.
 */
void stkctr_legacy_map(const struct stktable *t, int *type, unsigned int *idx);

/* Adds <n> to element <idx> of gpc (or to gpc0/gpc1 for <type>) of
 * counter <ctr>; also counts the matching rate. Returns 0 or -ENOENT.
 */
int stkctr_inc_gpc(struct stkctr *c, int type, unsigned int idx, uint32_t n);

/* Sets element <idx> of gpt (or gpt0) of <c> to <v>. 0 or -ENOENT. */
int stkctr_set_gpt(struct stkctr *c, int type, unsigned int idx, uint32_t v);

/* Ends the tracking of the counters the HTTP transaction owns (conn_cur
 * -1, references dropped); the session's stay. Called at the end of each
 * transaction, after its bytes were added and its log line written.
 */
void stkctr_release_txn(struct stkctrs *sc);

/* Ends the tracking: conn_cur -1 on every entry, references dropped. */
void stkctr_release_all(struct stkctrs *sc);

#endif /* TOLLGATE_STKCTR_H */
