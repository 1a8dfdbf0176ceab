/* metrics_export.h -- the counters read out: SetHandler jwt-metrics-handler (Prometheus
 * text exposition) and a mod_status section (metrics_export.c). */
#ifndef JWT_METRICS_EXPORT_H
#define JWT_METRICS_EXPORT_H

#include "httpd.h"

#define JWT_METRICS_HANDLER "jwt-metrics-handler"

int jwt_metrics_handler(request_rec *r);
/* the handler, and the mod_status hook (optional: mod_status may not be loaded) */
void jwt_metrics_export_register_hooks(apr_pool_t *p);

#endif
