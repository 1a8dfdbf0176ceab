/* PLACEHOLDER: replaced by the suite for jws. */
#include "test_suites.h"
Suite *suite_jws(void) { return suite_create("jws"); }
