/* webconfig.h - the web configuration file that Prometheus exporters share
 * (exporter-toolkit's --web.config.file, YAML): TLS for the HTTP server
 * and HTTP basic authentication with bcrypt hashes.
 *
 * Loaded once at start on the main thread; read-only afterwards, and read
 * by libmicrohttpd's threads through server.c. The one thing that changes
 * after loading is the cache of successful logins, behind its own mutex,
 * so every function below may be called from any thread.
 *
 * Never logs a password, a key or a certificate body.
 */
#ifndef DOKS_WEBCONFIG_H
#define DOKS_WEBCONFIG_H

#include <gnutls/abstract.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Successful logins remembered, so that a scrape every 15 s does not cost
 * a bcrypt each time. The oldest goes first. */
#define WEBCONFIG_AUTH_CACHE_MAX 64

/* The longest password checked: bcrypt ignores what follows byte 72. */
#define WEBCONFIG_PASSWORD_MAX 72

/* The longest Authorization header value webconfig_parse_basic_auth takes. */
#define WEBCONFIG_AUTH_HEADER_MAX 4096

/* tls_server_config.client_auth_type, as in Go's crypto/tls. */
enum webconfig_client_auth {
	WEBCONFIG_NO_CLIENT_CERT,
	WEBCONFIG_REQUEST_CLIENT_CERT,
	WEBCONFIG_REQUIRE_ANY_CLIENT_CERT,
	WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN,
	WEBCONFIG_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

struct webconfig;

/* Reads and checks the file at path (borrowed), and the certificate, key
 * and CA files it names (relative paths are taken from the directory of
 * path). bcrypt hashes of a cost above 16 are refused (above 12, warned
 * about). On error logs what was wrong, naming the file and line, and
 * returns ERR_CONFIG (ERR_NOMEM when memory runs out); *out is untouched
 * then. *out is owned (webconfig_free). */
enum err webconfig_load(const char *path, struct webconfig **out);

/* Accepts NULL; wipes the key material and the login cache it held. */
void webconfig_free(struct webconfig *w);

/* ---- TLS --------------------------------------------------------------- */

/* True when tls_server_config is set: serve HTTPS only. */
bool webconfig_tls_enabled(const struct webconfig *w);

/* PEM texts, NUL-terminated, valid until webconfig_free; NULL without TLS.
 * The client CA is NULL when client_ca_file is not set. */
const char *webconfig_tls_cert_pem(const struct webconfig *w);
const char *webconfig_tls_client_ca_pem(const struct webconfig *w);

/* The key, as DER (its PEM text is wiped as soon as it is decoded, so
 * that no base64 copy of it is left in memory): valid until
 * webconfig_tls_forget_key or webconfig_free; NULL without TLS or after
 * webconfig_tls_forget_key. A secret: never log it. */
const unsigned char *webconfig_tls_key_der(const struct webconfig *w, size_t *len);

/* The most certificates in cert_file that are served. */
#define WEBCONFIG_CHAIN_MAX 16

/* GnuTLS's forms of the certificate chain and the key, for a server's
 * certificate callback: *pcerts (n of them) and *key are owned
 * (webconfig_tls_identity_free). Returns 0, or a GnuTLS error code. */
int webconfig_tls_identity(const struct webconfig *w, gnutls_pcert_st **pcerts, unsigned *n,
			   gnutls_privkey_t *key);
void webconfig_tls_identity_free(gnutls_pcert_st *pcerts, unsigned n, gnutls_privkey_t key);

/* Wipes and frees the key, for once the server holds it in GnuTLS's
 * form: webconfig_tls_key_der returns NULL afterwards. Accepts NULL. */
void webconfig_tls_forget_key(struct webconfig *w);

/* A GnuTLS priority string for min_version..max_version, the cipher
 * policy (by default ECDHE with AEAD ciphers; cipher_suites, exactly as
 * listed, otherwise), curve_preferences and prefer_server_cipher_suites
 * (true by default); NULL without TLS. */
const char *webconfig_tls_priorities(const struct webconfig *w);

enum webconfig_client_auth webconfig_client_auth(const struct webconfig *w);

/* ---- basic authentication ---------------------------------------------- */

/* True when basic_auth_users lists at least one user: then every path
 * needs a valid login. */
bool webconfig_requires_auth(const struct webconfig *w);

/* Checks user and pass (borrowed) against basic_auth_users. A check that
 * succeeded before is answered from the cache, keyed by an HMAC-SHA-256 of
 * user, password and stored hash under a key drawn at load time (the
 * password itself is never stored); otherwise bcrypt runs, against a
 * dummy hash at the cost most users have for an unknown user, so that an
 * unknown user costs as much as a known one. The hashes are compared in
 * constant time. False when no users are configured, and for a password
 * over 72 bytes (bcrypt would ignore the rest), without a bcrypt. */
bool webconfig_check_basic_auth(const struct webconfig *w, const char *user, const char *pass);

/* True when user and pass (borrowed) are a login that succeeded before:
 * the cache alone, never a bcrypt, so it takes microseconds. */
bool webconfig_check_cached(const struct webconfig *w, const char *user, const char *pass);

/* Counters of webconfig_check_basic_auth, for tests and debugging. */
struct webconfig_auth_stats {
	unsigned long bcrypt_runs;
	unsigned long cache_hits;
	size_t cached;
};
void webconfig_auth_stats(const struct webconfig *w, struct webconfig_auth_stats *out);

/* Parses an Authorization header value (borrowed), "Basic <base64 of
 * user:password>" (the scheme in any case), into buf: on success *user and
 * *pass point into buf. False when the value is not a well-formed Basic
 * credential: another scheme, bad base64, no ':', a NUL or control byte,
 * or more than size - 1 bytes decoded. The caller wipes buf after use: it
 * holds the password. */
bool webconfig_parse_basic_auth(const char *header, char *buf, size_t size, const char **user,
				const char **pass);

#endif
