/* PLACEHOLDER: jwt_json.c */
