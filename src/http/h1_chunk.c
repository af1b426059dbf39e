/*
 * Chunked transfer coding parser (RFC 9112 section 7.1). See h1.h for the
 * contract and doc/internals/http-parser.md for the rules.
 *
 * A byte-level state machine over the framing (chunk-size lines with their
 * extensions, the CRLF after each chunk's data, the trailer section), and a
 * bulk step over chunk data: the data is never looked at, only counted.
 * Since every state transition consumes exactly one byte and depends on
 * nothing else, a body split anywhere parses like the whole.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/h1.h>

enum h1_ck_state {
	CK_SIZE0 = 0,    /* first hex digit of a chunk size */
	CK_SIZE,         /* more hex digits, or what follows the size */
	CK_SIZE_BWS,     /* BWS after the size: only ';' may follow */
	CK_EXT_NAME0,    /* BWS, then the first char of an extension name */
	CK_EXT_NAME,     /* extension name */
	CK_EXT_NAME_BWS, /* BWS after a name: '=' or ';' may follow */
	CK_EXT_VAL0,     /* BWS, then a token or a quoted-string */
	CK_EXT_VAL_TOK,  /* token value */
	CK_EXT_QS,       /* inside a quoted-string */
	CK_EXT_QS_ESC,   /* after a backslash in a quoted-string */
	CK_EXT_VAL_END,  /* after a closing quote */
	CK_EXT_VAL_BWS,  /* BWS after a value: only ';' may follow */
	CK_SIZE_LF,      /* LF ending the chunk-size line */
	CK_DATA,         /* chunk data, <remain> bytes left */
	CK_DATA_CR,      /* CR after the data */
	CK_DATA_LF,      /* LF after the data */
	CK_TRL0,         /* start of a trailer line or of the final CRLF */
	CK_TRL_NAME,     /* trailer field name */
	CK_TRL_VAL,      /* trailer field value */
	CK_TRL_LF,       /* LF ending a trailer line */
	CK_END_LF,       /* LF of the final CRLF */
};

/* Value of a hex digit, 0xFF for another char. */
static inline unsigned int h1_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return (unsigned int)(c - '0');
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return (unsigned int)(c - 'a' + 10);
	return 0xFF;
}

void h1_chunk_init(struct h1_chunk *ck, const struct h1_limits *lim)
{
	ck->remain = 0;
	ck->total = 0;
	ck->max_body = lim ? lim->max_body : 0;
	ck->line = 0;
	ck->trailers = 0;
	ck->max_trailers = lim && lim->max_head ? lim->max_head : H1_DEF_MAX_HEAD;
	ck->state = CK_SIZE0;
	ck->err = 0;
}

/* Consumes the framing byte <c> in <ck>. Returns 0 or an error. */
static int h1_chunk_byte(struct h1_chunk *ck, uint8_t c)
{
	const uint8_t cls = h1_ctab[c];
	unsigned int h;

	if (ck->state < CK_DATA) {
		if (++ck->line > H1_CHUNK_LINE_MAX)
			return H1_ERR_CHUNK_LINE_LONG;
	} else if (ck->state >= CK_TRL0) {
		if (++ck->trailers > ck->max_trailers)
			return H1_ERR_TRAILER_TOO_LARGE;
	}

	switch (ck->state) {
	case CK_SIZE0:
		h = h1_hexval(c);
		if (h == 0xFF)
			return H1_ERR_CHUNK_SIZE;
		ck->remain = h;
		ck->state = CK_SIZE;
		return 0;
	case CK_SIZE:
		h = h1_hexval(c);
		if (h != 0xFF) {
			/* keep the size below 2^63 */
			if (ck->remain > (UINT64_C(0x7FFFFFFFFFFFFFFF) >> 4))
				return H1_ERR_CHUNK_SIZE;
			ck->remain = (ck->remain << 4) | h;
			return 0;
		}
		if (c == ';')
			ck->state = CK_EXT_NAME0;
		else if (cls & H1_C_OWS)
			ck->state = CK_SIZE_BWS;
		else if (c == '\r')
			ck->state = CK_SIZE_LF;
		else if (c == '\n')
			return H1_ERR_CHUNK_CRLF;
		else
			return H1_ERR_CHUNK_SIZE;
		return 0;
	case CK_SIZE_BWS:
		if (c == ';')
			ck->state = CK_EXT_NAME0;
		else if (!(cls & H1_C_OWS))
			return H1_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_NAME0:
		if (cls & H1_C_TCHAR)
			ck->state = CK_EXT_NAME;
		else if (!(cls & H1_C_OWS))
			return H1_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_NAME:
		if (cls & H1_C_TCHAR)
			return 0;
		if (c == '=')
			ck->state = CK_EXT_VAL0;
		else if (c == ';')
			ck->state = CK_EXT_NAME0;
		else if (cls & H1_C_OWS)
			ck->state = CK_EXT_NAME_BWS;
		else if (c == '\r')
			ck->state = CK_SIZE_LF;
		else
			return c == '\n' ? H1_ERR_CHUNK_CRLF : H1_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_NAME_BWS:
		if (c == '=')
			ck->state = CK_EXT_VAL0;
		else if (c == ';')
			ck->state = CK_EXT_NAME0;
		else if (!(cls & H1_C_OWS))
			return H1_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_VAL0:
		if (c == '"')
			ck->state = CK_EXT_QS;
		else if (cls & H1_C_TCHAR)
			ck->state = CK_EXT_VAL_TOK;
		else if (!(cls & H1_C_OWS))
			return H1_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_VAL_TOK:
		if (cls & H1_C_TCHAR)
			return 0;
		/* fall through */
	case CK_EXT_VAL_END:
		if (c == ';')
			ck->state = CK_EXT_NAME0;
		else if (cls & H1_C_OWS)
			ck->state = CK_EXT_VAL_BWS;
		else if (c == '\r')
			ck->state = CK_SIZE_LF;
		else
			return c == '\n' ? H1_ERR_CHUNK_CRLF : H1_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_QS:
		if (c == '"')
			ck->state = CK_EXT_VAL_END;
		else if (c == '\\')
			ck->state = CK_EXT_QS_ESC;
		else if (!(cls & H1_C_QDTEXT))
			return H1_ERR_CHUNK_EXT;
		return 0;
	case CK_EXT_QS_ESC:
		if (!(cls & H1_C_FVAL))
			return H1_ERR_CHUNK_EXT;
		ck->state = CK_EXT_QS;
		return 0;
	case CK_EXT_VAL_BWS:
		if (c == ';')
			ck->state = CK_EXT_NAME0;
		else if (!(cls & H1_C_OWS))
			return H1_ERR_CHUNK_EXT;
		return 0;
	case CK_SIZE_LF:
		if (c != '\n')
			return H1_ERR_CHUNK_CRLF;
		ck->line = 0;
		if (!ck->remain) {
			ck->state = CK_TRL0;
			return 0;
		}
		if (ck->max_body && ck->remain > ck->max_body - ck->total)
			return H1_ERR_BODY_TOO_LARGE;
		ck->total += ck->remain;
		ck->state = CK_DATA;
		return 0;
	case CK_DATA_CR:
		if (c != '\r')
			return H1_ERR_CHUNK_CRLF;
		ck->state = CK_DATA_LF;
		return 0;
	case CK_DATA_LF:
		if (c != '\n')
			return H1_ERR_CHUNK_CRLF;
		ck->state = CK_SIZE0;
		return 0;
	case CK_TRL0:
		if (c == '\r')
			ck->state = CK_END_LF;
		else if (cls & H1_C_TCHAR)
			ck->state = CK_TRL_NAME;
		else
			return c == '\n' ? H1_ERR_CHUNK_CRLF : H1_ERR_TRAILER;
		return 0;
	case CK_TRL_NAME:
		if (c == ':')
			ck->state = CK_TRL_VAL;
		else if (!(cls & H1_C_TCHAR))
			return H1_ERR_TRAILER;
		return 0;
	case CK_TRL_VAL:
		if (c == '\r')
			ck->state = CK_TRL_LF;
		else if (!(cls & H1_C_FVAL))
			return c == '\n' ? H1_ERR_CHUNK_CRLF : H1_ERR_TRAILER;
		return 0;
	case CK_TRL_LF:
		if (c != '\n')
			return H1_ERR_CHUNK_CRLF;
		ck->state = CK_TRL0;
		return 0;
	case CK_END_LF:
		if (c != '\n')
			return H1_ERR_CHUNK_CRLF;
		ck->state = H1_CK_DONE;
		return 0;
	default:
		/* CK_DATA is handled by the caller and H1_CK_DONE stops it: not
		 * reached. No BUG_ON() so that the parser links alone (fuzzing).
		 */
		return H1_ERR_CHUNK_SIZE;
	}
}

int h1_chunk_in_trailers(const struct h1_chunk *ck)
{
	return ck->state >= CK_TRL0 && ck->state != H1_CK_DONE;
}

int h1_chunk_parse(struct h1_chunk *ck, const char *buf, size_t len,
                   struct h1_span *data)
{
	const uint8_t *b = (const uint8_t *)buf;
	size_t p = 0;
	int ret;

	data->off = 0;
	data->len = 0;
	if (ck->err)
		return ck->err;
	if (len > INT_MAX)
		len = INT_MAX;
	while (p < len && ck->state != H1_CK_DONE) {
		if (ck->state == CK_DATA) {
			size_t n = len - p;

			if (data->len)
				break;   /* one run of data per call */
			if (n > ck->remain)
				n = (size_t)ck->remain;
			data->off = (uint32_t)p;
			data->len = (uint32_t)n;
			ck->remain -= n;
			p += n;
			if (!ck->remain)
				ck->state = CK_DATA_CR;
			continue;
		}
		ret = h1_chunk_byte(ck, b[p]);
		if (ret < 0) {
			ck->err = (int8_t)ret;
			data->len = 0;
			return ret;
		}
		p++;
	}
	return (int)p;
}
