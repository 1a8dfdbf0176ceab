/* cost_timing.c -- the benches' shared timing loop (see cost_timing.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cost_timing.h"

typedef struct {
    const cost_loop_t *loop;
    void *row;
    int ntokens, core;
    double seconds;
    long done;
    double cpu_us;
    int failures;
} job_t;

static double thread_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *run_job(void *arg)
{
    job_t *j = arg;
    const cost_loop_t *loop = j->loop;
    apr_pool_t *p;
    void *floor = NULL;
    double c0, end;
    int i = 0;

    apr_pool_create(&p, NULL);
    if (!j->core && !(floor = loop->floor_start(j->row))) {
        j->failures = 1;
        apr_pool_destroy(p);
        return NULL;
    }
    c0 = thread_cpu_now();
    end = wall_now() + j->seconds;
    while (wall_now() < end) {
        for (int k = 0; k < loop->batch; k++) {
            int ok = j->core ? loop->core_once(j->row, p, i) : loop->floor_once(j->row, floor, i);
            if (!ok)
                j->failures++;
            if (j->core)
                apr_pool_clear(p);
            j->done++;
            if (++i == j->ntokens)
                i = 0;
        }
    }
    j->cpu_us = (thread_cpu_now() - c0) * 1e6;
    if (!j->core)
        loop->floor_stop(floor);
    apr_pool_destroy(p);
    return NULL;
}

double cost_measure(const cost_loop_t *loop, void *row, int ntokens, int core, double seconds,
                    int threads, int *failures)
{
    pthread_t tid[COST_MAX_THREADS];
    job_t jobs[COST_MAX_THREADS];
    long done = 0;
    double cpu = 0;

    for (int t = 0; t < threads; t++) {
        jobs[t] = (job_t){ .loop = loop, .row = row, .ntokens = ntokens, .core = core,
                           .seconds = seconds };
        pthread_create(&tid[t], NULL, run_job, &jobs[t]);
    }
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        done += jobs[t].done;
        cpu += jobs[t].cpu_us;
        *failures += jobs[t].failures;
    }
    return done ? cpu / done : 0;
}

int cost_args(int argc, char **argv, double *seconds, int *threads)
{
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 1;

    *seconds = argc > 2 ? strtod(argv[2], NULL) : 3;
    *threads = n >= 1 && n <= COST_MAX_THREADS ? (int)n : 0;
    if (argc < 2 || *threads < 1 || *seconds <= 0) {
        fprintf(stderr, "usage: %s STATE_DIR [SECONDS_PER_ROW] [THREADS (1..16)]\n", argv[0]);
        return 0;
    }
    return 1;
}

void cost_report_failures(const char *program, const char *row, int failures)
{
    fprintf(stderr, "%s: %s: %d tokens refused (expired? re-mint with bench/run.sh)\n",
            program, row, failures);
}
