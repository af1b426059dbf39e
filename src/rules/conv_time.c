/*
 * Dates: the fetches date([<offset>[,<unit>]]) and date_us, and the
 * converters http_date([<offset>[,<unit>]]), utime(<format>[,<offset>])
 * and ltime(<format>[,<offset>]), and their ms_ and us_ forms (input in
 * that unit, %N for the fraction), with HAProxy's meanings (seconds since
 * the epoch, an IMF-fixdate, strftime(3) in UTC or local time); the
 * converter date, an HTTP date back to seconds since the epoch. The
 * wall clock is read at each evaluation (CLOCK_REALTIME).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tollgate/errmsg.h>
#include <tollgate/sample.h>

enum { UNIT_S = 0, UNIT_MS, UNIT_US };

/* The <unit> argument ("s", "ms", "us") as UNIT_*: replaced by its value. */
int sample_time_unit_check(struct sample_arg *unit, char **err)
{
	static const char *const names[] = { "s", "ms", "us" };

	if (unit->type != SMP_ARGT_STR)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (!strcmp(unit->data.str.ptr, names[i])) {
			free(unit->data.str.ptr);
			unit->type = SMP_ARGT_SINT;
			unit->data.sint = i;
			return 0;
		}
	}
	return err_set(err, "invalid unit '%s' (expected 's', 'ms' or 'us')", unit->data.str.ptr);
}

static int date_check(struct sample_arg *args, char **err)
{
	return sample_time_unit_check(&args[1], err);
}

static int smp_date(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct timespec ts;
	int64_t v;

	clock_gettime(CLOCK_REALTIME, &ts);
	v = ts.tv_sec;
	if (args[1].type == SMP_ARGT_SINT && args[1].data.sint == UNIT_MS)
		v = v * 1000 + ts.tv_nsec / 1000000;
	else if (args[1].type == SMP_ARGT_SINT && args[1].data.sint == UNIT_US)
		v = v * 1000000 + ts.tv_nsec / 1000;
	if (args[0].type == SMP_ARGT_SINT)
		v += args[0].data.sint;
	sample_set_sint(smp, v);
	return 1;
}

static int smp_date_us(const struct sample_arg *args, struct sample *smp, const struct sample_ctx *ctx)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	sample_set_sint(smp, ts.tv_nsec / 1000);
	return 1;
}

/* A date in seconds kept positive for gmtime() (HAProxy's 55-bit mask). */
static time_t time_clamp(int64_t v)
{
	return (time_t)(v & 0x007fffffffffffffLL);
}

/* http_date([<offset>[,<unit>]]): "Sun, 06 Nov 1994 08:49:37 GMT"; with a
 * unit ms or us the input is in that unit and the fraction follows the
 * seconds (".5", not zero-padded, as HAProxy).
 */
static int conv_http_date(const struct sample_arg *args, struct sample *smp, void *private)
{
	static const char day[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char mon[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
					 "Oct", "Nov", "Dec" };
	int64_t v = smp->data.u.sint, frac = 0;
	int unit = args[1].type == SMP_ARGT_SINT ? (int)args[1].data.sint : UNIT_S;
	char *out = sample_scratch();
	time_t t;
	struct tm tm;
	int n;

	if (args[0].type == SMP_ARGT_SINT)
		v += args[0].data.sint;
	if (unit == UNIT_MS) {
		frac = v % 1000;
		v /= 1000;
	} else if (unit == UNIT_US) {
		frac = v % 1000000;
		v /= 1000000;
	}
	t = time_clamp(v);
	if (!gmtime_r(&t, &tm))
		return 0;
	if (unit != UNIT_S)
		n = snprintf(out, SAMPLE_SCRATCH_SIZE, "%s, %02d %s %04d %02d:%02d:%02d.%d GMT", day[tm.tm_wday],
			     tm.tm_mday, mon[tm.tm_mon], 1900 + tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
	else
		n = snprintf(out, SAMPLE_SCRATCH_SIZE, "%s, %02d %s %04d %02d:%02d:%02d GMT", day[tm.tm_wday],
			     tm.tm_mday, mon[tm.tm_mon], 1900 + tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec);
	sample_set_str(smp, out, (size_t)n);
	return 1;
}

static int http_date_check(struct sample_arg *args, char **err)
{
	return sample_time_unit_check(&args[1], err);
}

/* date: the HTTP date of the input (RFC 9110: IMF-fixdate "Sun, 06 Nov
 * 1994 08:49:37 GMT", RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" with years
 * 70-99 in the 1900s, asctime "Sun Nov  6 08:49:37 1994") in seconds since
 * the epoch; no sample for another text.
 */
static int conv_http2epoch(const struct sample_arg *args, struct sample *smp, void *private)
{
	static const char *const fmts[] = { "%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
					    "%a %b %e %H:%M:%S %Y" };
	char in[64];
	size_t n = smp->data.u.str.len;

	if (n == 0 || n >= sizeof(in) || memchr(smp->data.u.str.ptr, 0, n))
		return 0;
	memcpy(in, smp->data.u.str.ptr, n);
	in[n] = 0;
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(in, fmts[i], &tm);
		if (!end || *end || in[0] == ' ')
			continue;
		if (i == 1 && tm.tm_year < 70)
			tm.tm_year += 100;   /* strptime's %y puts 69 in 1969 */
		sample_set_sint(smp, (int64_t)timegm(&tm));
		return 1;
	}
	return 0;
}

/* utime(<format>[,<offset>]) (private NULL) and ltime(...) (local time). */
static int conv_strftime(const struct sample_arg *args, struct sample *smp, void *private)
{
	time_t t = time_clamp(smp->data.u.sint + (args[1].type == SMP_ARGT_SINT ? args[1].data.sint : 0));
	char *out = sample_scratch();
	struct tm tm;

	if (!(private ? localtime_r(&t, &tm) : gmtime_r(&t, &tm)))
		return 0;
	sample_set_str(smp, out, strftime(out, SAMPLE_SCRATCH_SIZE, args[0].data.str.ptr, &tm));
	return 1;
}

/* <fmt> with each %N (nanoseconds, 9 digits) or %<w>N (their first <w>,
 * 1 to 9) replaced by <ns>, into <out> (<len> bytes), as HAProxy's
 * ms_utime and friends do before strftime(3). Returns 0, or -1 when it
 * does not fit.
 */
static int expand_ns(const char *fmt, unsigned int ns, char *out, size_t len)
{
	char digits[10];
	size_t o = 0;

	snprintf(digits, sizeof(digits), "%09u", ns);
	for (const char *p = fmt; *p; p++) {
		const char *q = p + 1;
		unsigned int w = 0;

		if (*p == '%' && *q == '%') {
			if (o + 2 >= len)
				return -1;
			out[o++] = '%';
			out[o++] = '%';
			p++;
			continue;
		}
		if (*p == '%') {
			while (*q >= '0' && *q <= '9' && w < 10)
				w = w * 10 + (unsigned int)(*q++ - '0');
			if (*q == 'N') {
				if (!w || w > 9)
					w = 9;
				if (o + w >= len)
					return -1;
				memcpy(out + o, digits, w);
				o += w;
				p = q;
				continue;
			}
		}
		if (o + 1 >= len)
			return -1;
		out[o++] = *p;
	}
	out[o] = '\0';
	return 0;
}

/* ms_utime, ms_ltime, us_utime, us_ltime(<format>[,<offset>]): utime and
 * ltime of a date in ms or us (private: its units per second, negated
 * for local time), the offset in the same unit; %N gives the fraction.
 */
static int conv_strftime_sub(const struct sample_arg *args, struct sample *smp, void *private)
{
	int64_t per = (int64_t)(intptr_t)private, v, sec, frac;
	char fmt[512], *out = sample_scratch();
	struct tm tm;
	time_t t;
	int local = per < 0;

	if (local)
		per = -per;
	v = smp->data.u.sint + (args[1].type == SMP_ARGT_SINT ? args[1].data.sint : 0);
	sec = v / per;
	frac = v % per;
	if (frac < 0) {
		frac += per;
		sec--;
	}
	t = time_clamp(sec);
	if (!(local ? localtime_r(&t, &tm) : gmtime_r(&t, &tm)) ||
	    expand_ns(args[0].data.str.ptr, (unsigned int)(frac * (1000000000 / per)), fmt, sizeof(fmt)) < 0)
		return 0;
	sample_set_str(smp, out, strftime(out, SAMPLE_SCRATCH_SIZE, fmt, &tm));
	return 1;
}

static struct sample_fetch_kw_list time_fetches = { .kw = {
	{ "date",    smp_date,    SMP_ARG2(0, SINT, STR), date_check, SMP_T_SINT, SMP_USE_ANY },
	{ "date_us", smp_date_us, SMP_ARG0,               NULL,       SMP_T_SINT, SMP_USE_ANY },
	{ NULL, NULL, 0, NULL, 0, 0 },
} };

static struct sample_conv_kw_list time_convs = { .kw = {
	{ "date",      conv_http2epoch, SMP_ARG0,              NULL,            SMP_T_STR,  SMP_T_SINT, NULL },
	{ "http_date", conv_http_date, SMP_ARG2(0, SINT, STR), http_date_check, SMP_T_SINT, SMP_T_STR, NULL },
	{ "utime",     conv_strftime,  SMP_ARG2(1, STR, SINT), NULL,            SMP_T_SINT, SMP_T_STR, NULL },
	{ "ltime",     conv_strftime,  SMP_ARG2(1, STR, SINT), NULL,            SMP_T_SINT, SMP_T_STR, (void *)1 },
	{ "ms_utime",  conv_strftime_sub, SMP_ARG2(1, STR, SINT), NULL,         SMP_T_SINT, SMP_T_STR, (void *)1000 },
	{ "ms_ltime",  conv_strftime_sub, SMP_ARG2(1, STR, SINT), NULL,         SMP_T_SINT, SMP_T_STR, (void *)-1000 },
	{ "us_utime",  conv_strftime_sub, SMP_ARG2(1, STR, SINT), NULL,         SMP_T_SINT, SMP_T_STR, (void *)1000000 },
	{ "us_ltime",  conv_strftime_sub, SMP_ARG2(1, STR, SINT), NULL,         SMP_T_SINT, SMP_T_STR, (void *)-1000000 },
	{ NULL, NULL, 0, NULL, 0, 0, NULL },
} };

__attribute__((constructor)) static void conv_time_register(void)
{
	sample_register_fetches(&time_fetches);
	sample_register_convs(&time_convs);
}
