/* PLACEHOLDER: jwt_alg.c */
