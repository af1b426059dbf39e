/*
 * Verification errors of client certificates that a bind ignores
 * (`ca-ignore-err`, `crt-ignore-err`): their list is parsed here into a
 * bit set, one bit per OpenSSL X509_V_ERR_* code below 64, as HAProxy keeps
 * them (codes from 64 up can never be ignored, as there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tollgate/tls.h>

/* OpenSSL's X509_V_ERR_<name> of each code below 64 (stable ABI values). */
static const char *const err_names[64] = {
	[1] = "UNSPECIFIED",
	[2] = "UNABLE_TO_GET_ISSUER_CERT",
	[3] = "UNABLE_TO_GET_CRL",
	[4] = "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
	[5] = "UNABLE_TO_DECRYPT_CRL_SIGNATURE",
	[6] = "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
	[7] = "CERT_SIGNATURE_FAILURE",
	[8] = "CRL_SIGNATURE_FAILURE",
	[9] = "CERT_NOT_YET_VALID",
	[10] = "CERT_HAS_EXPIRED",
	[11] = "CRL_NOT_YET_VALID",
	[12] = "CRL_HAS_EXPIRED",
	[13] = "ERROR_IN_CERT_NOT_BEFORE_FIELD",
	[14] = "ERROR_IN_CERT_NOT_AFTER_FIELD",
	[15] = "ERROR_IN_CRL_LAST_UPDATE_FIELD",
	[16] = "ERROR_IN_CRL_NEXT_UPDATE_FIELD",
	[17] = "OUT_OF_MEM",
	[18] = "DEPTH_ZERO_SELF_SIGNED_CERT",
	[19] = "SELF_SIGNED_CERT_IN_CHAIN",
	[20] = "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
	[21] = "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
	[22] = "CERT_CHAIN_TOO_LONG",
	[23] = "CERT_REVOKED",
	[24] = "NO_ISSUER_PUBLIC_KEY",
	[25] = "PATH_LENGTH_EXCEEDED",
	[26] = "INVALID_PURPOSE",
	[27] = "CERT_UNTRUSTED",
	[28] = "CERT_REJECTED",
	[29] = "SUBJECT_ISSUER_MISMATCH",
	[30] = "AKID_SKID_MISMATCH",
	[31] = "AKID_ISSUER_SERIAL_MISMATCH",
	[32] = "KEYUSAGE_NO_CERTSIGN",
	[33] = "UNABLE_TO_GET_CRL_ISSUER",
	[34] = "UNHANDLED_CRITICAL_EXTENSION",
	[35] = "KEYUSAGE_NO_CRL_SIGN",
	[36] = "UNHANDLED_CRITICAL_CRL_EXTENSION",
	[37] = "INVALID_NON_CA",
	[38] = "PROXY_PATH_LENGTH_EXCEEDED",
	[39] = "KEYUSAGE_NO_DIGITAL_SIGNATURE",
	[40] = "PROXY_CERTIFICATES_NOT_ALLOWED",
	[41] = "INVALID_EXTENSION",
	[42] = "INVALID_POLICY_EXTENSION",
	[43] = "NO_EXPLICIT_POLICY",
	[44] = "DIFFERENT_CRL_SCOPE",
	[45] = "UNSUPPORTED_EXTENSION_FEATURE",
	[46] = "UNNESTED_RESOURCE",
	[47] = "PERMITTED_VIOLATION",
	[48] = "EXCLUDED_VIOLATION",
	[49] = "SUBTREE_MINMAX",
	[50] = "APPLICATION_VERIFICATION",
	[51] = "UNSUPPORTED_CONSTRAINT_TYPE",
	[52] = "UNSUPPORTED_CONSTRAINT_SYNTAX",
	[53] = "UNSUPPORTED_NAME_SYNTAX",
	[54] = "CRL_PATH_VALIDATION_ERROR",
	[55] = "PATH_LOOP",
	[56] = "SUITE_B_INVALID_VERSION",
	[57] = "SUITE_B_INVALID_ALGORITHM",
	[58] = "SUITE_B_INVALID_CURVE",
	[59] = "SUITE_B_INVALID_SIGNATURE_ALGORITHM",
	[60] = "SUITE_B_LOS_NOT_ALLOWED",
	[61] = "SUITE_B_CANNOT_SIGN_P_384_WITH_P_256",
	[62] = "HOSTNAME_MISMATCH",
	[63] = "EMAIL_MISMATCH",
};

/* The code of <tok> (<len> bytes): digits, or a name with or without the
 * X509_V_ERR_ prefix. -1 if neither.
 */
static int err_code(const char *tok, size_t len)
{
	size_t n = strspn(tok, "0123456789");
	int code = 0;

	if (n && n >= len) {
		for (size_t i = 0; i < len; i++) {
			code = code * 10 + (tok[i] - '0');
			if (code > 1000)
				break;
		}
		return code;
	}
	if (len > 11 && !strncasecmp(tok, "X509_V_ERR_", 11)) {
		tok += 11;
		len -= 11;
	}
	for (int i = 1; i < 64; i++)
		if (err_names[i] && strlen(err_names[i]) == len && !strncasecmp(tok, err_names[i], len))
			return i;
	return -1;
}

int tls_parse_ignore_err(const char *list, uint64_t *mask, char *err, size_t errlen)
{
	const char *p = list;

	if (!*list) {
		snprintf(err, errlen, "missing error IDs list");
		return -1;
	}
	if (!strcmp(list, "all")) {
		*mask = ~0ULL;
		return 0;
	}
	while (1) {
		size_t len = strcspn(p, ",");
		int code = err_code(p, len);

		if (code < 0) {
			snprintf(err, errlen, "unknown error '%.*s' in error IDs list '%s' (expected 'all', codes 1..63 or X509_V_ERR_* names)",
			         (int)len, p, list);
			return -1;
		}
		if (code < 1 || code > 63) {
			snprintf(err, errlen, "ID '%d' out of range (1..63) in error IDs list '%s'", code, list);
			return -1;
		}
		*mask |= 1ULL << code;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}
