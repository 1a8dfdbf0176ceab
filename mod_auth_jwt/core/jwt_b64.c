/* PLACEHOLDER: jwt_b64.c */
