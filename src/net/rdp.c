/*
 * RDP cookies (rdp.h), with HAProxy's rules: only the first cookie, right
 * after the 11 header bytes, is looked at; "Cookie:" and the name in any
 * case; blanks after the colon; the value runs to a CR that must be
 * followed by LF.
 */
#include <string.h>
#include <strings.h>

#include <tollgate/rdp.h>

#define RDP_HDR_LEN 11   /* TPKT (4) and X.224 Connection Request (7) */

int rdp_cookie(const char *p, size_t len, const char *name, size_t nlen, const char **v, size_t *vlen)
{
	const char *end = p + len, *val;

	if (len <= RDP_HDR_LEN + 7)
		return 0;
	p += RDP_HDR_LEN;
	if (strncasecmp(p, "Cookie:", 7) != 0)
		return -1;
	for (p += 7; p < end && *p == ' '; p++)
		;
	if (nlen) {
		if ((size_t)(end - p) <= nlen)
			return 0;
		if (p[nlen] != '=' || strncasecmp(p, name, nlen) != 0)
			return -1;
		p += nlen + 1;
	} else {
		for (; p < end && *p != '='; p++)
			if (*p == '\r' || *p == '\n')
				return -1;
		if (p >= end)
			return 0;
		p++;
	}
	val = p;
	for (; p < end && *p != '\r'; p++)
		;
	if (end - p < 2)
		return 0;
	if (p[1] != '\n')
		return -1;
	*v = val;
	*vlen = (size_t)(p - val);
	return 1;
}
