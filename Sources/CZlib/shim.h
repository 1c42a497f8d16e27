#ifndef KUBECTL_EVIDENCE_CZLIB_SHIM_H
#define KUBECTL_EVIDENCE_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a macro; Swift imports functions only.
static inline int czlib_inflate_init_gzip(z_stream *stream) {
    // 15 window bits + 16: a gzip member only (no zlib, no raw deflate).
    return inflateInit2(stream, 15 + 16);
}
#endif
