/* cgi_jwe.h -- the Inspect page for an encrypted token (JWE, issue 24): its protected
 * header, an attempt to decrypt it with the keys the locations use, and what came out.
 *
 * Keys: JWT_ADMIN_DECRYPTION_KEYS, a space-separated list of the files the locations name
 * in AuthJWTDecryptionKey (each optionally followed by kid=ID), plus the encryption keys of
 * JWT_ADMIN_SECRETS_FILE ("use":"enc" entries). The CGI must be able to read them: give the
 * admin page its own copy (or group), never make a private key world-readable for it.
 * When it cannot decrypt, the page says so and why (no keys configured, no key for the
 * kid, the tag did not verify, a refused algorithm...). */
#ifndef CGI_JWE_H
#define CGI_JWE_H

#include <stddef.h>
#include "jwt_jwe.h"
#include "admin.h"

typedef struct {
    jwt_jwe_t *jwe;            /* decrypted, or NULL */
    const char *inner;         /* nested JWT (cty "JWT"): the JWS inside, else NULL */
    size_t inner_len;
    const char *why;           /* why it could not be decrypted, or NULL */
} admin_jwe_t;

/* Five segments: a compact JWE. */
int admin_is_jwe(const char *tok, size_t len);

/* Render the "Encrypted token" section (header, keys, decryption) and fill out. */
void admin_jwe_render(admin_ctx_t *c, const char *tok, size_t len, admin_jwe_t *out);

#endif
