/*
 * FIX message checks. See fix.h.
 */
#include <string.h>
#include <strings.h>

#include <tollgate/fix.h>

#define FIX_SOH      0x01
#define FIX_MINSIZE  26          /* shortest message HAProxy considers complete */

static const struct {
	const char *name;            /* BeginString value */
	unsigned int max_tag;        /* highest standard tag of the version */
} fix_versions[] = {
	{ "FIX.4.0", 140 }, { "FIX.4.1", 211 }, { "FIX.4.2", 446 },
	{ "FIX.4.3", 659 }, { "FIX.4.4", 956 }, { "FIXT.1.1", 1621 },
};

/* The decimal number of the <len> bytes at <p> (all digits, not 0, no
 * overflow past 9 digits), or 0.
 */
static unsigned int fix_number(const char *p, size_t len)
{
	unsigned int n = 0;

	if (!len || len > 9)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		n = n * 10 + (unsigned int)(p[i] - '0');
	}
	return n;
}

/* One field at <p> (<len> bytes left): sets the tag and the value, and
 * returns the bytes it takes with its SOH (> 0), 0 if its SOH is not
 * there yet, -1 for an empty tag or value or a bad tag number.
 */
static long fix_field(const char *p, size_t len, unsigned int *tag, const char **v, size_t *vlen)
{
	const char *eq = memchr(p, '=', len), *soh;

	if (!eq)
		return 0;   /* as HAProxy: a field is judged once its '=' and SOH are in */
	soh = memchr(eq, FIX_SOH, len - (size_t)(eq - p));
	if (!soh)
		return 0;
	if (eq == p || soh == eq + 1)
		return -1;
	*tag = fix_number(p, (size_t)(eq - p));
	if (!*tag)
		return -1;
	*v = eq + 1;
	*vlen = (size_t)(soh - eq - 1);
	return soh + 1 - p;
}

int fix_validate(const char *p, size_t len)
{
	const char *body = NULL, *start = p, *v;
	unsigned int nb = 0, bodylen = 0, max_tag = 0, tag;
	unsigned char sum = 0;
	size_t vlen, off = 0;

	if (len < FIX_MINSIZE)
		return 0;
	while (off < len) {
		long n = fix_field(start + off, len - off, &tag, &v, &vlen);

		if (n <= 0)
			return n;
		nb++;
		if (nb > 1 && !(tag >= 10000 && tag <= 19999) && tag > max_tag)
			return -1;
		if (nb == 1) {
			if (tag != FIX_TAG_BEGINSTRING)
				return -1;
			for (size_t i = 0; i < sizeof(fix_versions) / sizeof(fix_versions[0]); i++)
				if (strlen(fix_versions[i].name) == vlen && !memcmp(v, fix_versions[i].name, vlen))
					max_tag = fix_versions[i].max_tag;
			if (!max_tag)
				return -1;
		} else if (nb == 2) {
			if (tag != FIX_TAG_BODYLENGTH || !(bodylen = fix_number(v, vlen)))
				return -1;
			body = start + off + (size_t)n;
		} else if (nb == 3) {
			if (tag != FIX_TAG_MSGTYPE)
				return -1;
		} else if (tag == FIX_TAG_CHECKSUM) {
			/* the last field: neither in the body length nor in the sum */
			if ((size_t)(start + off - body) != bodylen || vlen != 3 ||
			    v[0] < '0' || v[0] > '9' || v[1] < '0' || v[1] > '9' || v[2] < '0' || v[2] > '9')
				return -1;
			return (unsigned int)((v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0')) == sum ? 1 : -1;
		}
		for (long i = 0; i < n; i++)
			sum = (unsigned char)(sum + (unsigned char)start[off + (size_t)i]);
		off += (size_t)n;
	}
	return 0;
}

int fix_tag_value(const char *p, size_t len, unsigned int want, const char **v, size_t *vlen)
{
	size_t off = 0;
	unsigned int tag;

	while (off < len) {
		long n = fix_field(p + off, len - off, &tag, v, vlen);

		if (n <= 0)
			return n;
		if (tag == want)
			return 1;
		if (tag == FIX_TAG_CHECKSUM)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

unsigned int fix_tag_id(const char *name, size_t len)
{
	static const struct {
		const char *name;
		unsigned int tag;
	} names[] = {
		{ "MsgType", FIX_TAG_MSGTYPE }, { "CheckSum", FIX_TAG_CHECKSUM },
		{ "BodyLength", FIX_TAG_BODYLENGTH }, { "TargetCompID", FIX_TAG_TARGETCOMPID },
		{ "BeginString", FIX_TAG_BEGINSTRING }, { "SenderCompID", FIX_TAG_SENDERCOMPID },
	};
	unsigned int n = fix_number(name, len);

	if (n)
		return n;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && !strncasecmp(names[i].name, name, len))
			return names[i].tag;
	return 0;
}
