/*
 * TLS session ticket keys from a file (`tls-ticket-keys`), as HAProxy: one
 * base64 key per line, 48 bytes (name 16, AES-128 key 16, HMAC-SHA256 key
 * 16) or 80 bytes (name 16, AES-256 key 32, HMAC key 32), all of the size
 * of the first; at least TLS_TICKET_KEYS lines, the last TLS_TICKET_KEYS
 * kept. Of those (oldest first) the penultimate encrypts new tickets, all
 * decrypt; a ticket decrypted by another key than the encrypting one is
 * renewed. `set ssl tls-key` appends a key: the oldest goes, the former
 * newest starts encrypting. Binds naming the same file share its keys.
 *
 * The keys are read at each ticket by every worker without a lock; the
 * admin socket changes them under thread isolation only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <tollgate/base64.h>
#include <tollgate/isolate.h>
#include <tollgate/tls.h>

#include "tls_int.h"

#define TICKET_NAME_LEN 16

struct ticket_key {
	unsigned char raw[80];         /* name, AES key, HMAC key */
};

struct tls_keys {
	char *file;
	int id;                        /* `show tls-keys` id, from 0 in load order */
	size_t size;                   /* 48 or 80 */
	struct ticket_key keys[TLS_TICKET_KEYS]; /* oldest first */
	struct tls_keys *next;
};

static struct tls_keys *key_refs;
static int keys_ex_idx = -1;       /* SSL_CTX ex_data: its struct tls_keys */

/* Decodes line <s> (<len> characters) into <k>; its size or -1. */
static ssize_t key_decode(const char *s, size_t len, struct ticket_key *k)
{
	ssize_t n = base64_decode(s, len, k->raw, sizeof(k->raw));

	return n == 48 || n == 80 ? n : n < 0 ? -1 : -2;
}

struct tls_keys *tls_keys_load(const char *file, char *err, size_t errlen)
{
	struct tls_keys *k, **last = &key_refs;
	struct ticket_key ring[TLS_TICKET_KEYS];
	char line[256];
	size_t size = 0;
	int n = 0, id = 0;
	FILE *f;

	for (k = key_refs; k; last = &k->next, k = k->next, id++)
		if (!strcmp(k->file, file))
			return k;
	f = fopen(file, "r");
	if (!f) {
		snprintf(err, errlen, "'%s' : unable to load ssl tickets keys file", file);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\r\n");
		ssize_t sz = key_decode(line, len, &ring[n % TLS_TICKET_KEYS]);

		if (sz == -1) {
			snprintf(err, errlen, "'%s' : unable to decode base64 key on line %d", file, n + 1);
			goto fail;
		}
		if (sz < 0 || (size && (size_t)sz != size)) {
			snprintf(err, errlen, "'%s' : wrong sized key on line %d", file, n + 1);
			goto fail;
		}
		size = (size_t)sz;
		n++;
	}
	if (n < TLS_TICKET_KEYS) {
		snprintf(err, errlen, "'%s' : please supply at least %d keys in the tls-tickets-file", file,
		         TLS_TICKET_KEYS);
		goto fail;
	}
	fclose(f);
	k = calloc(1, sizeof(*k));
	if (!k || !(k->file = strdup(file))) {
		free(k);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->id = id;
	k->size = size;
	/* the last ones read, oldest first */
	for (int i = 0; i < TLS_TICKET_KEYS; i++)
		k->keys[i] = ring[(n + i) % TLS_TICKET_KEYS];
	*last = k;
	return k;
fail:
	fclose(f);
	return NULL;
}

/* OpenSSL's ticket callback: <enc> 1 to encrypt a new ticket (its key
 * name and IV out), 0 to decrypt one: 1 done, 2 done but renew the
 * ticket, 0 unknown key (a full handshake), -1 error.
 */
static int ticket_cb(SSL *ssl, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
                     EVP_MAC_CTX *hctx, int enc)
{
	const struct tls_keys *k = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keys_ex_idx);
	const EVP_CIPHER *cipher;
	const struct ticket_key *key = NULL;
	size_t half;
	OSSL_PARAM params[2];
	int ret = 1;

	if (!k)
		return -1;
	half = (k->size - TICKET_NAME_LEN) / 2;
	cipher = half == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
	if (enc) {
		key = &k->keys[TLS_TICKET_KEYS - 2];   /* the penultimate encrypts */
		memcpy(name, key->raw, TICKET_NAME_LEN);
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(cipher)) <= 0 ||
		    !EVP_EncryptInit_ex(cctx, cipher, NULL, key->raw + TICKET_NAME_LEN, iv))
			return -1;
	} else {
		for (int i = 0; i < TLS_TICKET_KEYS && !key; i++)
			if (!memcmp(name, k->keys[i].raw, TICKET_NAME_LEN))
				key = &k->keys[i];
		if (!key)
			return 0;
		if (!EVP_DecryptInit_ex(cctx, cipher, NULL, key->raw + TICKET_NAME_LEN, iv))
			return -1;
		ret = key == &k->keys[TLS_TICKET_KEYS - 2] ? 1 : 2;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(hctx, key->raw + TICKET_NAME_LEN + half, half, params))
		return -1;
	return ret;
}

void tls_keys_attach(SSL_CTX *ctx, struct tls_keys *k)
{
	if (keys_ex_idx < 0)
		keys_ex_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	SSL_CTX_set_ex_data(ctx, keys_ex_idx, k);
	SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb);
}

/* The reference named "#<id>" or by its file, or NULL. */
static struct tls_keys *keys_find(const char *ref)
{
	for (struct tls_keys *k = key_refs; k; k = k->next) {
		if (ref[0] == '#' && ref[1] && atoi(ref + 1) == k->id && strspn(ref + 1, "0123456789") == strlen(ref + 1))
			return k;
		if (!strcmp(ref, k->file))
			return k;
	}
	return NULL;
}

int tls_keys_show(const char *ref, char *out, size_t len)
{
	const struct tls_keys *only = NULL;
	size_t o;

	if (!ref) {
		o = (size_t)snprintf(out, len, "# id (file)\n");
		for (const struct tls_keys *k = key_refs; k && o < len; k = k->next)
			o += (size_t)snprintf(out + o, len - o, "%d (%s)\n", k->id, k->file);
		return o < len ? (int)o : -ENOSPC;
	}
	if (strcmp(ref, "*") && !(only = keys_find(ref)))
		return -ENOENT;
	o = (size_t)snprintf(out, len, "# id secret\n");
	for (const struct tls_keys *k = key_refs; k && o < len; k = k->next) {
		if (only && k != only)
			continue;
		o += (size_t)snprintf(out + o, len - o, "# %d (%s)\n", k->id, k->file);
		for (int i = 0; i < TLS_TICKET_KEYS && o + BASE64_ENC_LEN(80) + 32 < len; i++) {
			o += (size_t)snprintf(out + o, len - o, "%d.%d ", k->id, i);
			o += base64_encode(k->keys[i].raw, k->size, out + o);
			out[o++] = '\n';
		}
	}
	if (o < len)
		out[o] = 0;
	return o < len ? (int)o : -ENOSPC;
}

int tls_keys_set(const char *ref, const char *b64, char *err, size_t errlen)
{
	struct tls_keys *k = keys_find(ref);
	struct ticket_key key;
	ssize_t n;

	if (!k) {
		snprintf(err, errlen, "'set ssl tls-key' unable to locate referenced filename");
		return -1;
	}
	n = key_decode(b64, strlen(b64), &key);
	if (n == -1) {
		snprintf(err, errlen, "'set ssl tls-key' received invalid base64 encoded TLS key.");
		return -1;
	}
	if (n < 0 || (size_t)n != k->size) {
		snprintf(err, errlen, "'set ssl tls-key' received a key of wrong size.");
		return -1;
	}
	/* workers read the keys at every ticket: replaced alone */
	thread_isolate();
	memmove(&k->keys[0], &k->keys[1], (TLS_TICKET_KEYS - 1) * sizeof(k->keys[0]));
	k->keys[TLS_TICKET_KEYS - 1] = key;
	thread_release();
	return 0;
}
