/* PLACEHOLDER: jwt_err.c */
