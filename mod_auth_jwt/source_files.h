/* source_files.h -- AuthJWTKeyFile's keyring as a key source (key_source.h). */
#ifndef JWT_SOURCE_FILES_H
#define JWT_SOURCE_FILES_H

#include "key_source.h"

extern const jwt_key_source_t jwt_source_files;

#endif
