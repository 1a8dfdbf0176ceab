#!/bin/bash
# Group "security" (issue 8): attacks not covered elsewhere (kid injection watched with strace,
# JWS JSON serialization, multi-signature tricks, HMAC tag edges, psychic ECDSA signatures)
# httpoxy for the admin CGI's key fetches, and log hygiene (every token, secret and password
# a run used is absent from every log).
# Real httpd on 127.0.0.1 with the built module, once per MPM in SECURITY_MPMS (default event).
# Env: JWT_BUILD_DIR (required). Last line: "N passed, N failed, N skipped".
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"   # tests/
. "$here/groups/lib/node-mpm-group.sh"
run_node_mpm_group security "$here/security" "${SECURITY_MPMS:-event}" ""
