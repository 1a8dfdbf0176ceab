#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include "test_util.h"

apr_pool_t *tp;

void tu_setup(void) { apr_pool_create(&tp, NULL); }
void tu_teardown(void) { apr_pool_destroy(tp); tp = NULL; }

const char *tu_path(const char *rel)
{
    return apr_pstrcat(tp, TESTS_SRCDIR, "/", rel, NULL);
}

const char *tu_testvectors_dir(void)
{
    struct stat st;
    const char *env = getenv("JWT_TESTVECTORS");
    const char *dir = env ? env : apr_pstrcat(tp, TESTS_SRCDIR, "/../../shared/testvectors", NULL);
    return (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) ? dir : NULL;
}

char *tu_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = apr_palloc(tp, (apr_size_t)n + 1);
    ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len) *len = (size_t)n;
    return buf;
}

static char scratch[64];

const char *tu_scratch_setup(const char *prefix)
{
    tu_setup();
    snprintf(scratch, sizeof(scratch), "/tmp/%s.XXXXXX", prefix);
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    return scratch;
}

void tu_scratch_teardown(void)
{
    DIR *dh = opendir(scratch);
    if (dh != NULL) {
        struct dirent *e;
        while ((e = readdir(dh)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            unlink(tu_scratch_path(e->d_name));
        }
        closedir(dh);
    }
    rmdir(scratch);
    tu_teardown();
}

const char *tu_scratch_path(const char *name)
{
    return apr_pstrcat(tp, scratch, "/", name, NULL);
}

void tu_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    ck_assert_int_eq(fclose(f), 0);
}
