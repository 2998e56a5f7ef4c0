#ifndef SLOD_CCRC_H
#define SLOD_CCRC_H
// CRC-32 (the gzip / zlib / IEEE 802.3 one, reflected polynomial 0xEDB88320) by carry-less
// multiplication (PCLMULQDQ folding, Intel's "Fast CRC Computation for Generic Polynomials
// Using PCLMULQDQ"): ~10x Debian zlib 1.2.13's crc32 on the same CPU. Swift cannot reach the
// instruction, so this one function is C. Callers check ccrc_clmul_available() once and use
// zlib's crc32 where it is 0 (no PCLMULQDQ / SSE4.1, or not x86-64).
#include <stddef.h>
#include <stdint.h>

/// 1 when ccrc_crc32 may be called on this CPU.
int ccrc_clmul_available(void);
/// zlib's crc32(crc, p, n): the CRC of the bytes at `p`, continuing from `crc` (0 to start).
uint32_t ccrc_crc32(uint32_t crc, const unsigned char *p, size_t n);
#endif
