/* binding.h -- the binding stage of the pipeline (binding.c): a sender-constrained token
 * is accepted only from the client holding its key. RFC 8705 certificate-bound tokens:
 * cnf["x5t#S256"] against the TLS client certificate, or an RFC 9440 Client-Cert header
 * from a trusted proxy. RFC 9449 DPoP-bound tokens: cnf.jkt against the key of the
 * request's one DPoP proof, which is checked (core/jwt_dpop.c) and used once
 * (dpop_replay.c). */
#ifndef JWT_BINDING_H
#define JWT_BINDING_H

#include "dir_conf.h"
#include "request_state.h"
#include "token_find.h"

/* What a refusal tells the client: RFC 6750 error and error_description (authn.c writes
 * the challenge: the stage stays below it). */
typedef struct {
    const char *error;
    const char *description;
} jwt_binding_refusal_t;

/* The algs="..." of a DPoP challenge: the section's asymmetric algorithms. */
const char *jwt_binding_dpop_algs(apr_pool_t *p, const jwt_dir_conf_t *conf);

/* OK, or the status to answer (401, or 400 for a malformed Client-Cert from a trusted
 * proxy) with *no filled in and the reason logged. Runs after verification, before the
 * identity is set. */
int jwt_stage_binding(request_rec *r, const jwt_dir_conf_t *conf,
                      const jwt_request_state_t *st, const token_hunt_t *hunt,
                      jwt_binding_refusal_t *no);

#endif
