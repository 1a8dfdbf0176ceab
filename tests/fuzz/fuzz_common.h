/* fuzz_common.h -- shared set-up for the libFuzzer targets: APR is initialised once, and
 * each input gets its own pool that is destroyed afterwards (LeakSanitizer is on). */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <apr_general.h>
#include <apr_pools.h>

/* An invariant of the code under test broke: make libFuzzer record the input. */
#define FUZZ_ASSERT(cond) do { \
        if (!(cond)) { \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort(); \
        } \
    } while (0)

static void fuzz_apr_init(void)
{
    static int done;
    if (!done) {
        apr_initialize();
        atexit(apr_terminate);
        done = 1;
    }
}

#endif
