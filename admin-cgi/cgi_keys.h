/* cgi_keys.h -- the keys the inspect page checks tokens against: JWT_ADMIN_KEYS (key
 * files, JWKS files, JWKS URLs; the same list the protected locations use) plus the secrets
 * file. JWT_ADMIN_KEYS is a space-separated list of key files (optionally followed by
 * kid=ID, as in AuthJWTKeyFile PATH kid=ID), JWKS files and JWKS URLs (fetched now, with a
 * short timeout; a failure shows as "not checked here"). Kid-less asymmetric keys are named
 * by their RFC 7638 thumbprint, as the module names them. Each source is reported with what
 * it gave or why it failed. */
#ifndef CGI_KEYS_H
#define CGI_KEYS_H

#include "jwt_key.h"
#include "admin.h"

typedef struct {
    const char *source;   /* path or URL */
    int ok;               /* 1 loaded, 0 failed, -1 not checked */
    const char *detail;   /* "3 keys" or the error message */
} key_source_t;

/* The words of a key list, "PATH [kid=ID] PATH ..." (JWT_ADMIN_KEYS,
 * JWT_ADMIN_DECRYPTION_KEYS), split on blanks and tabs: each word comes with the ID of the
 * kid= right after it (NULL without one; "kid=" alone is not an ID). A kid= with no word
 * before it comes as a word of its own, for the caller to refuse. */
typedef struct {
    char *state;
    char *next;
} key_list_t;

void admin_key_list_start(apr_pool_t *p, const char *list, key_list_t *it);
/* 1 and the next *word and *kid, or 0 at the end of the list. */
int admin_key_list_next(key_list_t *it, const char **word, const char **kid);

/* Build one keyring from every source. *sources (key_source_t) describes each. */
jwt_keyring_t *admin_keyring(admin_ctx_t *c, apr_array_header_t **sources);

#endif
