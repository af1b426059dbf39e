/*
 * Server-state files (server_state.h): parsed at start-up, before any
 * worker runs, so servers are changed directly.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tollgate/addr.h>
#include <tollgate/global.h>
#include <tollgate/log.h>
#include <tollgate/proxy.h>
#include <tollgate/server.h>
#include <tollgate/server_state.h>

/* start-up messages, with HAProxy's "config : " context */
#define SS_LOG(lvl, fmt, ...) log_msg((lvl), "config : " fmt, ##__VA_ARGS__)

#define SS_LINE_MAX    2000   /* HAProxy's SRV_STATE_LINE_MAXLEN */
#define SS_MIN_FIELDS  20     /* be_id .. srvrecord */
#define SS_MAX_FIELDS  25     /* .. srv_agent_port */
#define SS_CHK_STATUS_MAX 20  /* HAProxy's HCHK_STATUS_SIZE */

/* HAProxy's values in the file */
#define SS_ADM_FMAINT  0x01
#define SS_ADM_IMAINT  0x02
#define SS_ADM_CMAINT  0x04
#define SS_ADM_FDRAIN  0x08
#define SS_ADM_IDRAIN  0x10
#define SS_ADM_RMAINT  0x20
#define SS_ADM_FQDN    0x40
#define SS_CHK_CONFIGURED 0x02
#define SS_CHK_ENABLED    0x04
#define SS_CHK_ALL        0x1f

struct ss_line {
	char *buf;                    /* the line, cut into fields */
	char *f[SS_MAX_FIELDS];       /* its fields, NULL past the last */
	size_t idx;                   /* its order in the file: the first of two equal keys wins */
	int used;                     /* applied to a server */
};

struct ss_file {
	struct ss_line *lines;        /* sorted by backend and server names */
	size_t n;
	int vsn;                      /* 1, or 0: nothing to apply */
};

/* Cuts <buf> (one line with its '\n') into fields. Returns 1, 0 for a
 * blank or comment line, -1 for a corrupted one (no '\n', too few or too
 * many fields), as HAProxy.
 */
static int ss_cut(char *buf, char **f)
{
	size_t len = strlen(buf);
	char *cur = buf;
	int n = 0;

	if (!len || buf[len - 1] != '\n')
		return -1;
	cur += strspn(cur, " \t");
	if (*cur == '\n' || *cur == '#')
		return 0;
	buf[len - 1] = '\0';
	memset(f, 0, SS_MAX_FIELDS * sizeof(*f));
	while (*cur && n < SS_MAX_FIELDS) {
		f[n++] = cur;
		cur += strcspn(cur, " \t");
		if (*cur)
			*cur++ = '\0';
		cur += strspn(cur, " \t");
	}
	return n < SS_MIN_FIELDS || *cur ? -1 : 1;
}

static int ss_cmp(const void *a, const void *b)
{
	const struct ss_line *x = a, *y = b;
	int r = strcmp(x->f[1], y->f[1]);

	if (!r)
		r = strcmp(x->f[3], y->f[3]);
	return r ? r : (x->idx > y->idx) - (x->idx < y->idx);
}

static void ss_free(struct ss_file *sf)
{
	for (size_t i = 0; i < sf->n; i++)
		free(sf->lines[i].buf);
	free(sf->lines);
	sf->lines = NULL;
	sf->n = 0;
}

/* Keeps a line of <px>'s local file if it names <px>, warning as HAProxy
 * when only its id or only its name matches. Returns 1 to keep it.
 */
static int ss_local_match(struct proxy *px, char **f)
{
	int id_ok = atoi(f[0]) == px->uuid, name_ok = !strcmp(px->id, f[1]);

	if (!id_ok && !name_ok)
		return 0;
	if (!id_ok) {
		SS_LOG(LOG_LVL_WARNING, "Proxy '%s': backend ID mismatch: from server state file: '%s', from running config '%d'",
		            px->id, f[0], px->uuid);
		return 1;
	}
	if (!name_ok) {
		SS_LOG(LOG_LVL_WARNING, "Proxy '%s': backend name mismatch: from server state file: '%s', from running config '%s'",
		            px->id, f[1], px->id);
		return atoi(f[15]) == 1;   /* unless its id was forced */
	}
	return 1;
}

/* Reads <path> into <sf>: the global file (<px> NULL) or <px>'s own. */
static void ss_read(struct ss_file *sf, const char *path, struct proxy *px)
{
	char buf[SS_LINE_MAX], what[256];
	FILE *fp;
	char *end;
	long v;

	sf->vsn = 0;
	if (px)
		snprintf(what, sizeof(what), "Proxy '%s': ", px->id);
	else
		snprintf(what, sizeof(what), "config: ");
	fp = fopen(path, "r");
	if (!fp) {
		SS_LOG(errno == ENOENT ? LOG_LVL_NOTICE : LOG_LVL_WARNING, "%sCan't open %sserver state file '%s': %s%s",
		        what, px ? "" : "global ", path, strerror(errno), px ? "." : "");
		return;
	}
	if (!fgets(buf, sizeof(buf), fp)) {
		SS_LOG(LOG_LVL_NOTICE, "%sEmpty %sserver state file '%s'.", what, px ? "" : "global ", path);
		goto out;
	}
	v = strtol(buf, &end, 10);
	if (end == buf || *end != '\n' || v != 1) {
		SS_LOG(LOG_LVL_WARNING, "%sCan't get version of the %sserver state file '%s'.", what, px ? "" : "global ", path);
		goto out;
	}
	sf->vsn = 1;
	for (int linenum = 1; fgets(buf, sizeof(buf), fp); linenum++) {
		struct ss_line l = { .idx = sf->n };
		char *f[SS_MAX_FIELDS];
		int r;

		l.buf = strdup(buf);
		if (!l.buf)
			break;
		r = ss_cut(l.buf, f);
		if (r < 0) {
			/* the line number counts from the one after the version, as HAProxy */
			SS_LOG(LOG_LVL_WARNING, "%scorrupted %sserver state file '%s' at line %d.", what, px ? "" : "global ", path, linenum);
			free(l.buf);
			sf->vsn = 0;
			break;
		}
		if (r == 0 || (px && !ss_local_match(px, f))) {
			free(l.buf);
			continue;
		}
		memcpy(l.f, f, sizeof(f));
		if (px)
			l.f[1] = px->id;   /* keyed by the running backend's name */
		if (!(sf->n & 63)) {
			struct ss_line *nl = realloc(sf->lines, (sf->n + 64) * sizeof(*nl));

			if (!nl) {
				free(l.buf);
				break;
			}
			sf->lines = nl;
		}
		sf->lines[sf->n++] = l;
	}
	if (sf->n > 1)   /* qsort() must not see the NULL of an empty file */
		qsort(sf->lines, sf->n, sizeof(*sf->lines), ss_cmp);
out:
	fclose(fp);
}

/* The first line of <sf> for server <sv> of <be>, or NULL. */
static struct ss_line *ss_find(struct ss_file *sf, const char *be, const char *sv)
{
	size_t lo = 0, hi = sf->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(sf->lines[mid].f[1], be);

		if (!r)
			r = strcmp(sf->lines[mid].f[3], sv);
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < sf->n && !strcmp(sf->lines[lo].f[1], be) && !strcmp(sf->lines[lo].f[3], sv))
		return &sf->lines[lo];
	return NULL;
}

/* Parses field <s> as HAProxy does (strtol: trailing bytes ignored) into
 * <v>; appends ", invalid <name> value '<s>'" to <msg> if it is not a
 * number or <ok> says it is out of range.
 */
static long ss_num(const char *s, const char *name, char *msg, size_t size, int (*ok)(long))
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || errno || (ok && !ok(v))) {
		size_t len = strlen(msg);

		snprintf(msg + len, size - len, ", invalid %s value '%s'", name, s);
	}
	return v;
}

static int ok_op(long v) { return v >= 0 && v <= 3; }
static int ok_weight(long v) { return v >= 0 && v <= 256; }
static int ok_status(long v) { return v >= 0 && v < SS_CHK_STATUS_MAX; }
static int ok_result(long v) { return v >= 0 && v <= 4; }
static int ok_chk(long v) { return !(v & ~SS_CHK_ALL); }
static int ok_bool(long v) { return v == 0 || v == 1; }
static int ok_admin(long v)
{
	v &= ~(long)(SS_ADM_IDRAIN | SS_ADM_IMAINT | SS_ADM_RMAINT | SS_ADM_FQDN);
	return v == 0 || v == SS_ADM_FMAINT || v == SS_ADM_CMAINT || v == (SS_ADM_CMAINT | SS_ADM_FMAINT) ||
	       v == (SS_ADM_CMAINT | SS_ADM_FDRAIN) || v == SS_ADM_FDRAIN;
}

/* Servers of <px> usable now but <except>, active and backup. */
static void ss_count_up(const struct proxy *px, int *act, int *bck)
{
	*act = *bck = 0;
	for (const struct server *s = px->srv; s; s = s->next)
		if (atomic_load(&s->cur_state) == SRV_ST_RUNNING && !(s->flags & (SRV_F_MAINT | SRV_F_RMAINT)))
			++*((s->flags & SRV_F_BACKUP) ? bck : act);
}

/* The operational state <op> and the check health <h> of the file. */
static void ss_apply_op(struct server *sv, long op, long h)
{
	long top = (long)sv->rise + (long)sv->fall - 1;
	int down = 0;

	switch (op) {
	case 0:   /* stopped */
		h = 0;
		down = 1;
		break;
	case 1:   /* starting (no slowstart in Tollgate: up) */
		if (sv->rise == 1)
			h = top;
		else if (h < 1 || h >= (long)sv->rise)
			h = (long)sv->rise - 1;
		break;
	case 3:   /* stopping */
		if (sv->fall == 1) {
			h = 0;
			down = 1;
		} else if (h < (long)sv->rise || h > top - 1) {
			h = sv->rise;
		}
		break;
	default:  /* running */
		h = top;
		break;
	}
	sv->state_health = (int)h + 1;
	/* an unchecked server has no state of its own: its admin state says */
	if (down && (sv->flags & SRV_F_CHECK) && atomic_load(&sv->cur_state) == SRV_ST_RUNNING) {
		int act, bck;

		atomic_store(&sv->cur_state, SRV_ST_STOPPED);
		ss_count_up(sv->proxy, &act, &bck);
		SS_LOG(LOG_LVL_WARNING, "Server %s/%s is DOWN, changed from server-state after a reload. "
		            "%d active and %d backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
		            sv->proxy->id, sv->id, act, bck);
	}
}

/* The administrative state <adm>, as HAProxy: the configuration's
 * `disabled` wins when it changed, else the forced maintenance is kept;
 * drain is kept unless it only came from a configured weight of 0 that
 * is no longer.
 */
static void ss_apply_admin(struct server *sv, long adm, long iweight)
{
	unsigned int was = sv->flags;
	int conf_maint = !!(sv->flags & SRV_F_CMAINT);

	adm &= ~(long)(SS_ADM_IDRAIN | SS_ADM_IMAINT | SS_ADM_RMAINT | SS_ADM_FQDN);
	if (!!(adm & SS_ADM_CMAINT) != conf_maint) {
		if (conf_maint)
			sv->flags |= SRV_F_MAINT;
		else
			sv->flags &= ~SRV_F_MAINT;
	} else if ((adm & SS_ADM_FMAINT) && !conf_maint) {
		sv->flags |= SRV_F_MAINT;
	} else if (!(adm & SS_ADM_FMAINT) && conf_maint) {
		sv->flags &= ~SRV_F_MAINT;
	}
	if (!(sv->flags & SRV_F_MAINT) && (adm & SS_ADM_FDRAIN) && (iweight > 0 || sv->iweight == 0))
		sv->flags |= SRV_F_DRAIN;
	if (!(was & SRV_F_MAINT) && (sv->flags & SRV_F_MAINT))
		sv->state_health = 1;   /* entering maintenance zeroes the health */
	if ((was & SRV_F_MAINT) && !(sv->flags & SRV_F_MAINT))
		SS_LOG(LOG_LVL_WARNING, "Server %s/%s is UP/READY (leaving forced maintenance).", sv->proxy->id, sv->id);
	if (sv->flags & SRV_F_DRAIN)
		SS_LOG(LOG_LVL_WARNING, "Server %s/%s remains in forced drain mode.", sv->proxy->id, sv->id);
}

/* Applies the fields <p> (srv_addr onwards) of a line to <sv>. */
static void ss_apply(struct server *sv, char **p)
{
	char msg[512] = "";
	long op, adm, uw, iw, status, result, health, chk, agent, port = -1;

	op = ss_num(p[1], "srv_op_state", msg, sizeof(msg), ok_op);
	adm = ss_num(p[2], "srv_admin_state", msg, sizeof(msg), ok_admin);
	uw = ss_num(p[3], "srv_uweight", msg, sizeof(msg), ok_weight);
	iw = ss_num(p[4], "srv_iweight", msg, sizeof(msg), ok_weight);
	ss_num(p[5], "srv_last_time_change", msg, sizeof(msg), NULL);
	status = ss_num(p[6], "srv_check_status", msg, sizeof(msg), ok_status);
	result = ss_num(p[7], "srv_check_result", msg, sizeof(msg), ok_result);
	health = ss_num(p[8], "srv_check_health", msg, sizeof(msg), NULL);
	chk = ss_num(p[9], "srv_check_state", msg, sizeof(msg), ok_chk);
	agent = ss_num(p[10], "srv_agent_state", msg, sizeof(msg), ok_chk);
	ss_num(p[11], "bk_f_forced_id", msg, sizeof(msg), ok_bool);
	ss_num(p[12], "srv_f_forced_id", msg, sizeof(msg), ok_bool);
	if (p[14]) {
		char *end;

		port = strtol(p[14], &end, 10);
		if (end == p[14] || port < 0 || port > 65535) {
			size_t len = strlen(msg);

			snprintf(msg + len, sizeof(msg) - len, ", invalid srv_port value '%s'", p[14]);
			port = -1;
		}
	}
	if (msg[0]) {
		SS_LOG(LOG_LVL_WARNING, "server-state application failed for server '%s/%s'%s", sv->proxy->id, sv->id, msg);
		return;
	}
	ss_apply_op(sv, op, health);
	sv->state_chk[0] = (short)(status + 1);
	sv->state_chk[1] = (short)result;
	ss_apply_admin(sv, adm, iw);
	/* "disable health|agent" is kept; the rest of the checks' state is the configuration's */
	if ((sv->flags & SRV_F_CHECK) && (chk & SS_CHK_CONFIGURED) && !(chk & SS_CHK_ENABLED))
		sv->state_chk_off |= 1;
	if ((sv->flags & SRV_F_AGENT) && (agent & SS_CHK_CONFIGURED) && !(agent & SS_CHK_ENABLED))
		sv->state_chk_off |= 2;
	/* a weight set at runtime is kept unless the configured one changed */
	if (iw == (long)sv->iweight)
		sv->uweight = (unsigned int)uw;
	if (strcmp(p[0], "-") && !sv->lastaddr)
		sv->lastaddr = strdup(p[0]);
	if (port > 0 && !(sv->addr.flags & ADDR_F_NO_PORT))
		addr_set_port(&sv->addr, (unsigned int)port);
	if (p[17] && strcmp(p[17], "0")) {
		long cp = strtol(p[17], NULL, 10);

		if (cp > 0 && cp <= 65535)
			atomic_store(&sv->check_port, (unsigned int)cp);
	}
}

/* Applies <sf> to the servers of <px>; with <local>, warns for the lines
 * naming none of them.
 */
static void ss_apply_proxy(struct proxy *px, struct ss_file *sf, int local)
{
	if (!sf->vsn)
		return;
	for (struct server *sv = px->srv; sv; sv = sv->next) {
		struct ss_line *l = ss_find(sf, px->id, sv->id);

		if (!l || l->used)
			continue;
		l->used = 1;
		ss_apply(sv, l->f + 4);
	}
	/* lines are sorted: a duplicate follows the first of its key, and is dropped */
	for (size_t i = 0; local && i < sf->n; i++) {
		if (!sf->lines[i].used && (!i || strcmp(sf->lines[i - 1].f[3], sf->lines[i].f[3])))
			SS_LOG(LOG_LVL_WARNING, "Proxy '%s': can't find server '%s' in backend '%s'", px->id, sf->lines[i].f[3], px->id);
	}
}

/* <name> under `server-state-base` unless absolute, into <out>; -1 if too long. */
static int ss_path(char *out, size_t size, const char *name)
{
	const char *base = global.server_state_base;
	int n;

	if (name[0] == '/' || !base)
		n = snprintf(out, size, "%s", name);
	else
		n = snprintf(out, size, "%s%s%s", base, base[0] && base[strlen(base) - 1] == '/' ? "" : "/", name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

void server_state_apply_all(void)
{
	struct ss_file gf = { 0 };
	char path[PATH_MAX];

	if (global.server_state_file) {
		if (ss_path(path, sizeof(path), global.server_state_file) < 0)
			SS_LOG(LOG_LVL_WARNING, "config: Can't load global server state file: file too long.");
		else
			ss_read(&gf, path, NULL);
	}
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct ss_file lf = { 0 };

		if (!(px->cap & PR_CAP_BE) || px->disabled || !px->srv || px->srv_state_load == PR_SRV_STATE_NONE)
			continue;
		if (px->srv_state_load == PR_SRV_STATE_GLOBAL) {
			ss_apply_proxy(px, &gf, 0);
			continue;
		}
		if (ss_path(path, sizeof(path), px->srv_state_file_name ? px->srv_state_file_name : px->id) < 0) {
			SS_LOG(LOG_LVL_WARNING, "Proxy '%s': Can't load local server state file: file too long.", px->id);
			continue;
		}
		ss_read(&lf, path, px);
		ss_apply_proxy(px, &lf, 1);
		ss_free(&lf);
	}
	ss_free(&gf);
}
