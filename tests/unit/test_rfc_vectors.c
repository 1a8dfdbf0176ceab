/* PLACEHOLDER: replaced by the suite for rfc_vectors. */
#include "test_suites.h"
Suite *suite_rfc_vectors(void) { return suite_create("rfc_vectors"); }
