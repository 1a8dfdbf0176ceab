/* cost_timing.h -- the timing loop bench/verify-cost.c and bench/jwe-cost.c share: THREADS
 * threads at once, each calling the program's core path (in a pool cleared per token) or
 * its floor over the row's tokens in a loop for a given time, and the thread CPU µs per
 * call over all threads (the figure both print). */
#ifndef BENCH_COST_TIMING_H
#define BENCH_COST_TIMING_H

#include <apr_pools.h>

#define COST_MAX_THREADS 16

typedef struct {
    /* The core's path for token i of the row, in p (cleared after each call): 1 accepted,
     * 0 refused (a failure). */
    int (*core_once)(void *row, apr_pool_t *p, int i);
    /* The floor: a thread's state, made before its clock starts (NULL when it cannot be
     * made: one failure, and floor_start cleaned up after itself); one token; its end. */
    void *(*floor_start)(void *row);
    int (*floor_once)(void *row, void *floor, int i);
    void (*floor_stop)(void *floor);
    int batch;                  /* calls between two looks at the wall clock */
} cost_loop_t;

/* The CPU µs per call of the core's path (core 1) or the floor (core 0) over row's ntokens
 * tokens, in threads threads for seconds; adds the refused calls to *failures. */
double cost_measure(const cost_loop_t *loop, void *row, int ntokens, int core, double seconds,
                    int threads, int *failures);

/* argv[2] seconds per row (default 3), argv[3] threads (default 1): 0 and the usage line on
 * stderr when STATE_DIR is missing or they are out of range, else 1. */
int cost_args(int argc, char **argv, double *seconds, int *threads);

/* The stderr line of a row with refused tokens. */
void cost_report_failures(const char *program, const char *row, int failures);

#endif
