/* PLACEHOLDER: jwt_claims.c */
