#include "CCRC.h"

// The byte-at-a-time table for heads and tails (and short inputs): raw (no pre/post inversion)
// reflected CRC-32.
static uint32_t table[256];
static int table_ready;

static void make_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
    __atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

static inline uint32_t bytewise(uint32_t c, const unsigned char *p, size_t n) {
    while (n--) c = table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
#include <immintrin.h>

int ccrc_clmul_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

// Folding constants for the reflected polynomial (x^n mod P, bit-reflected, as in Linux's
// arch/x86/crypto/crc32-pclmul_asm.S): by 4×128 bits, by 128 bits, the 64→32 fold, and Barrett.
#define K1 0x154442bd4ULL   // low:  x^(4*128+32) mod P
#define K2 0x1c6e41596ULL   // high: x^(4*128-32) mod P
#define K3 0x1751997d0ULL   // low:  x^(128+32) mod P
#define K4 0x0ccaa009eULL   // high: x^(128-32) mod P
#define K5 0x163cd6124ULL   // x^64 mod P
#define P_ 0x1db710641ULL   // P'
#define MU 0x1f7011641ULL   // floor(x^64 / P)

// Raw CRC of `n` bytes (n >= 64, a multiple of 16) starting from raw value `crc`.
__attribute__((target("pclmul,sse4.1")))
static uint32_t fold(uint32_t crc, const unsigned char *p, size_t n) {
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 0));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(p + 48));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    p += 64;
    n -= 64;
    __m128i k = _mm_set_epi64x((long long)K2, (long long)K1);
    while (n >= 64) {
#define FOLD(x, off) do { \
        __m128i h = _mm_clmulepi64_si128(x, k, 0x11); \
        x = _mm_clmulepi64_si128(x, k, 0x00); \
        x = _mm_xor_si128(_mm_xor_si128(x, h), _mm_loadu_si128((const __m128i *)(p + off))); \
    } while (0)
        FOLD(x1, 0); FOLD(x2, 16); FOLD(x3, 32); FOLD(x4, 48);
#undef FOLD
        p += 64;
        n -= 64;
    }
    // Four lanes into one, then the remaining 16-byte blocks.
    k = _mm_set_epi64x((long long)K4, (long long)K3);
#define FOLD1(x, next) do { \
        __m128i h = _mm_clmulepi64_si128(x, k, 0x11); \
        x = _mm_clmulepi64_si128(x, k, 0x00); \
        x = _mm_xor_si128(_mm_xor_si128(x, h), next); \
    } while (0)
    FOLD1(x1, x2); FOLD1(x1, x3); FOLD1(x1, x4);
    while (n >= 16) {
        FOLD1(x1, _mm_loadu_si128((const __m128i *)p));
        p += 16;
        n -= 16;
    }
#undef FOLD1
    // 128 → 64 bits (appending 32 zero bits), 64 → 32, then Barrett reduction.
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    __m128i t = _mm_clmulepi64_si128(k, x1, 0x01);          // K4 * x1.low
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), t);
    k = _mm_set_epi64x(0, (long long)K5);
    t = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k, 0x00);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 4), t);
    k = _mm_set_epi64x((long long)MU, (long long)P_);
    t = _mm_and_si128(x1, mask32);
    t = _mm_clmulepi64_si128(t, k, 0x10);                   // low * MU
    t = _mm_and_si128(t, mask32);
    t = _mm_clmulepi64_si128(t, k, 0x00);                   // low * P'
    x1 = _mm_xor_si128(x1, t);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

uint32_t ccrc_crc32(uint32_t crc, const unsigned char *p, size_t n) {
    if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE)) make_table();
    uint32_t c = ~crc;
    if (n >= 64) {
        size_t bulk = n & ~(size_t)15;
        c = fold(c, p, bulk);
        p += bulk;
        n -= bulk;
    }
    return ~bytewise(c, p, n);
}
#else
int ccrc_clmul_available(void) { return 0; }
uint32_t ccrc_crc32(uint32_t crc, const unsigned char *p, size_t n) {
    if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE)) make_table();
    return ~bytewise(~crc, p, n);
}
#endif
