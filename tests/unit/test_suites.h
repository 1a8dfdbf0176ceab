/* One Check suite per core file; test_main.c runs them all. */
#ifndef TEST_SUITES_H
#define TEST_SUITES_H
#include <check.h>
Suite *suite_b64(void);
Suite *suite_json(void);
Suite *suite_alg(void);
Suite *suite_key(void);
Suite *suite_keyset(void);
Suite *suite_jws(void);
Suite *suite_claims(void);
Suite *suite_secrets(void);
Suite *suite_secrets_jwks(void);
Suite *suite_rfc_vectors(void);
Suite *suite_wycheproof(void);
Suite *suite_rules(void);
Suite *suite_jwe(void);
Suite *suite_jwe_hostile(void);
Suite *suite_wycheproof_jwe(void);
Suite *suite_cnf(void);
Suite *suite_dpop(void);
Suite *suite_expiry(void);
Suite *suite_wipe(void);
Suite *suite_secrets_enc(void);
#endif
