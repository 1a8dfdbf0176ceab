/* PLACEHOLDER: jwt_key.c */
