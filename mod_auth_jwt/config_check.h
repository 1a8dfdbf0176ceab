/* config_check.h -- `apachectl configtest` refuses a location that can never let a request
 * through (issue 23), after every section has been read:
 *   - AuthType jwt and no key source at all (every request would be a 500);
 *   - key sources of which no key can verify any algorithm of AuthJWTAlgorithms (every
 *     token would be a 401); a warning only where a later change could bring such a key
 *     (a JWKS URL, a secrets file the admin page may add an HMAC secret to);
 *   - an AuthJWTSecretsFile that httpd's User (the children, which re-read it when it
 *     changes) cannot read, judged with that user's uid and groups from stat().
 * Each message names the file and line of the section (or directive) and the fix.
 */
#ifndef JWT_CONFIG_CHECK_H
#define JWT_CONFIG_CHECK_H

#include "httpd.h"
#include "http_config.h"

/* check_config hook: runs for `apache2 -t` and at every (re)start; !OK stops httpd. */
int jwt_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* Can the user uid with primary group gid and the groups[ngroups] read (want_x: execute /
 * search) path, and search every folder above it? Judged from stat() owner, group and mode
 * (no ACLs). On refusal, *why says which path blocks and its owner and mode. */
int jwt_user_can_reach(apr_pool_t *p, const char *path, int want_x, uid_t uid, gid_t gid,
                       const gid_t *groups, int ngroups, const char **why);

#endif
