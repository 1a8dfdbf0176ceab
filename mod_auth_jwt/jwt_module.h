/* jwt_module.h -- the module record and the log tags, which every glue file may include.
 * It includes no other glue header, so it sits below all of them (docs/ARCHITECTURE.md;
 * tests/tools/layers.py checks that no glue unit includes one above itself). */
#ifndef JWT_MODULE_H
#define JWT_MODULE_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

/* AP_DECLARE_MODULE in mod_auth_jwt.c does APLOG_USE_MODULE itself. */
extern module AP_MODULE_DECLARE_DATA auth_jwt_module;
#ifndef JWT_MODULE_RECORD
APLOG_USE_MODULE(auth_jwt);
#endif

/* Stable per-call-site log tags, APLOGNO style: JWT_LOGNO(0201) -> "AH-JWT-0201: ".
 * Ranges: 01xx config, 02xx authn, 03xx authz, 04xx env/forward, 05xx secrets file,
 * 06xx login/logout/jwks, 07xx token cache, 09xx mod_authnz_jwt compat, 12xx metrics and
 * expiry warnings. Never reuse a number for a different message. */
#define JWT_LOGNO(n) "AH-JWT-" #n ": "

#define JWT_AUTH_TYPE "jwt"

#endif
