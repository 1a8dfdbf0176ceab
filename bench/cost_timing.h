/* cost_timing.h -- the timing loop bench/verify-cost.c and bench/jwe-cost.c share: THREADS
 * threads at once, each calling a program's "once" over the row's tokens in a loop for a
 * given time, and the thread CPU µs per call over all threads (the figure both print). */
#ifndef BENCH_COST_TIMING_H
#define BENCH_COST_TIMING_H

#define COST_MAX_THREADS 16

typedef struct {
    /* Per thread, before its clock starts: its state (core: 1 the core's path, 0 the floor),
     * or NULL when it cannot be made (counted as one failure; start cleans up after itself). */
    void *(*start)(void *row, int core);
    /* One token (index i of the row's ntokens): 1 accepted, 0 refused (a failure). */
    int (*once)(void *state, int i);
    /* Per thread, after its clock stopped. */
    void (*stop)(void *state);
    int batch;                  /* calls between two looks at the wall clock */
} cost_loop_t;

/* The CPU µs per call of loop over row's ntokens tokens, in threads threads for seconds;
 * adds the refused calls to *failures. */
double cost_measure(const cost_loop_t *loop, void *row, int ntokens, int core, double seconds,
                    int threads, int *failures);

/* argv[2] seconds per row (default 3), argv[3] threads (default 1): 0 and the usage line on
 * stderr when STATE_DIR is missing or they are out of range, else 1. */
int cost_args(int argc, char **argv, double *seconds, int *threads);

/* The stderr line of a row with refused tokens. */
void cost_report_failures(const char *program, const char *row, int failures);

#endif
