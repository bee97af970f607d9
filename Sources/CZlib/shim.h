// zlib (Debian: zlib1g-dev), used to inflate the gzipped IDX files.
#include <zlib.h>
