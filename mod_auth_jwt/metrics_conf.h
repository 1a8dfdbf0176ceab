/* metrics_conf.h -- the metrics feature's per-directory part (embedded in jwt_dir_conf_t)
 * and its directive. Below dir_conf.h; the functions are in metrics.c.
 *
 * Each section read with the configuration gets a fixed location slot (its path is the
 * `location` label), so a request finds its counters by index, never by a string lookup.
 */
#ifndef JWT_METRICS_CONF_H
#define JWT_METRICS_CONF_H

#include "httpd.h"
#include "http_config.h"

typedef struct {
    int slot;                  /* location slot, -1: made at request time (.htaccess) */
    int off;                   /* AuthJWTMetrics Off: this location's requests not counted */
    int off_set;
} jwt_metrics_dir_t;

/* jwt_create_dir_conf: the section's slot, by its path (dir NULL: the server's). */
void jwt_metrics_dir_init(apr_pool_t *p, jwt_metrics_dir_t *m, const char *dir);
/* jwt_merge_dir_conf: the nearer section's slot and setting win. */
void jwt_metrics_dir_merge(jwt_metrics_dir_t *out, const jwt_metrics_dir_t *base,
                           const jwt_metrics_dir_t *add);

/* cmd->info: offset of the jwt_metrics_dir_t in the per-directory struct. */
const char *jwt_cmd_metrics(cmd_parms *cmd, void *dirconf, int on);

#define JWT_METRICS_CMDS(conf_type, field) \
    AP_INIT_FLAG("AuthJWTMetrics", jwt_cmd_metrics, \
        (void *)APR_OFFSETOF(conf_type, field), RSRC_CONF | OR_AUTHCFG, \
        "On (default) or Off: count this location's requests in the shared metrics")

#endif
