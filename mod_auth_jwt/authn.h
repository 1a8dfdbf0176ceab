/* authn.h -- AuthType jwt (authn.c): the check_authn hook (the pipeline) and the
 * RFC 6750 answers. */
#ifndef JWT_AUTHN_H
#define JWT_AUTHN_H

#include "dir_conf.h"

/* authn.c */
int jwt_check_authn(request_rec *r);
int jwt_note_auth_failure(request_rec *r, const char *auth_type);
void jwt_insert_error_filter(request_rec *r);
int jwt_header_parser(request_rec *r);
/* WWW-Authenticate: Bearer realm="...", plus error/error_description/scope when given. */
void jwt_set_challenge(request_rec *r, const char *error, const char *description,
                       const char *scope);

#endif
