/* PLACEHOLDER: jwt_jws.c */
