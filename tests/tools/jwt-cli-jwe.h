/* jwt-cli-jwe.h -- jwt-cli's "encrypt" and "decrypt" subcommands (jwt-cli-jwe.c). */
#ifndef JWT_CLI_JWE_H
#define JWT_CLI_JWE_H
#include <apr_pools.h>
/* argv[1] is "encrypt" or "decrypt". Returns the exit status. */
int jwt_cli_jwe(apr_pool_t *p, int argc, char **argv);
#endif
