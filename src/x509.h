/* x509.h - when a certificate that the API sends expires. Pure (OpenSSL's
 * X.509 parser, no I/O). The input is base64 of PEM (or DER), the way
 * /credentials sends certificate_authority_data and client_certificate_data.
 */
#ifndef DOKS_X509_H
#define DOKS_X509_H

#include <stdbool.h>
#include <stddef.h>

/* The earliest notAfter of the certificates in b64 (a bundle may hold
 * several), in Unix seconds. False when b64 holds no certificate. */
bool x509_not_after_b64(const char *b64, double *out);

#endif
