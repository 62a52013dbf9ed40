/* x509.c - see x509.h. Called on the poller thread while a /credentials
 * answer is decoded; the decoded bytes are wiped before they are freed,
 * since a legacy answer's client certificate sits beside its key. */
#include "x509.h"

#include <ctype.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "secret.h"

/* The largest certificate bundle worth reading. */
#define X509_INPUT_MAX ((size_t)1 << 20)

/* Base64 without white space into an owned buffer; NULL when malformed. */
static unsigned char *unbase64(const char *b64, size_t *len)
{
	size_t n = strlen(b64);
	if (n == 0 || n > X509_INPUT_MAX)
		return NULL;
	char *clean = malloc(n + 1);
	if (!clean)
		return NULL;
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)b64[i]))
			clean[m++] = b64[i];
	clean[m] = '\0';
	unsigned char *out = NULL;
	if (m > 0 && m % 4 == 0 && m <= INT32_MAX) {
		out = malloc(m / 4 * 3 + 1);
		if (out) {
			int got = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)m);
			if (got < 0) {
				free(out);
				out = NULL;
			} else {
				/* EVP_DecodeBlock counts the padding as data */
				size_t pad = (clean[m - 1] == '=') + (clean[m - 2] == '=');
				*len = (size_t)got - pad;
			}
		}
	}
	free(clean);
	return out;
}

static bool not_after(const X509 *cert, double *out)
{
	const ASN1_TIME *t = X509_get0_notAfter(cert);
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	*out = (double)civil_to_unix(tm.tm_year + 1900LL, tm.tm_mon + 1LL, tm.tm_mday, tm.tm_hour,
				     tm.tm_min, tm.tm_sec);
	return true;
}

bool x509_not_after_b64(const char *b64, double *out)
{
	size_t len = 0;
	unsigned char *der = unbase64(b64, &len);
	if (!der || len == 0 || len > INT32_MAX) {
		free(der);
		return false;
	}
	bool found = false;
	double earliest = 0;
	if (len > 10 && memcmp(der, "-----BEGIN", 10) == 0) {
		BIO *bio = BIO_new_mem_buf(der, (int)len);
		X509 *cert;
		while (bio && (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			double t;
			if (not_after(cert, &t) && (!found || t < earliest)) {
				earliest = t;
				found = true;
			}
			X509_free(cert);
		}
		BIO_free(bio);
	} else {
		const unsigned char *p = der;
		X509 *cert = d2i_X509(NULL, &p, (long)len);
		if (cert) {
			found = not_after(cert, &earliest);
			X509_free(cert);
		}
	}
	/* the end of the PEM reading loop leaves an error behind: not ours */
	ERR_clear_error();
	secret_wipe(der, len);
	free(der);
	if (found)
		*out = earliest;
	return found;
}
