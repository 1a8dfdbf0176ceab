/* PLACEHOLDER: jwt_secrets.c */
