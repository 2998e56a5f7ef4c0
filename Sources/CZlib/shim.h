#ifndef SLOD_CZLIB_SHIM_H
#define SLOD_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro Swift cannot import.
static inline int czlib_inflate_init2(z_stream *strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
/// deflateInit2 is a macro Swift cannot import.
static inline int czlib_deflate_init2(z_stream *strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
#endif
