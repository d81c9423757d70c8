/*
 * Unit test of the CXL 2.0 interleave encodings and arithmetic
 * (include/hw/cxl/cxl-decode.h), checked against the spec's own forms:
 * bit slicing for power-of-two ways, and for 3, 6 and 12 ways the low
 * way bits plus the remaining address modulo 3 (CXL 2.0 8.2.5.12.7).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "hw/cxl/cxl-decode.h"

/* Encodings: every legal value maps both ways, every reserved one fails */
static void test_encodings(void)
{
    static const struct { unsigned ways; uint8_t eiw; } w[] = {
        { 1, 0 }, { 2, 1 }, { 4, 2 }, { 8, 3 }, { 16, 4 },
        { 3, 8 }, { 6, 9 }, { 12, 10 },
    };
    static const unsigned bad_ways[] = { 0, 5, 7, 9, 10, 11, 13, 14, 15, 17, 24, 32 };
    static const uint64_t bad_gran[] = { 0, 128, 255, 257, 384, 768, 12288, 16385,
                                         32768, UINT64_MAX };
    unsigned i;
    uint8_t e;

    for (i = 0; i < ARRAY_SIZE(w); i++) {
        g_assert_cmpuint(cxl_eiw_to_ways(w[i].eiw), ==, w[i].ways);
        g_assert(cxl_ways_to_eiw(w[i].ways, &e));
        g_assert_cmpuint(e, ==, w[i].eiw);
    }
    for (e = 5; e < 8; e++) {
        g_assert_cmpuint(cxl_eiw_to_ways(e), ==, 0);
    }
    for (e = 11; e != 0; e++) {              /* 11 .. 255 */
        g_assert_cmpuint(cxl_eiw_to_ways(e), ==, 0);
    }
    for (i = 0; i < ARRAY_SIZE(bad_ways); i++) {
        g_assert(!cxl_ways_to_eiw(bad_ways[i], &e));
    }
    for (e = 0; e <= 6; e++) {
        uint8_t back;
        g_assert_cmpuint(cxl_eig_to_granularity(e), ==, 256u << e);
        g_assert(cxl_granularity_to_eig(256u << e, &back));
        g_assert_cmpuint(back, ==, e);
    }
    g_assert_cmpuint(cxl_eig_to_granularity(7), ==, 0);
    g_assert_cmpuint(cxl_eig_to_granularity(15), ==, 0);
    for (i = 0; i < ARRAY_SIZE(bad_gran); i++) {
        g_assert(!cxl_granularity_to_eig(bad_gran[i], &e));
    }
}

static uint64_t bits(uint64_t v, unsigned start, unsigned len)
{
    return len ? extract64(v, start, len) : 0;
}

/* The spec's forms, written independently of the code under test */
static void spec_decode(uint64_t off, uint8_t eig, uint8_t eiw,
                        unsigned *pos, uint64_t *dpa)
{
    unsigned ig = eig + 8;

    if (eiw <= 4) {
        /* position = HPA[IG+8+IW-1 : IG+8]; DPA drops those bits */
        *pos = bits(off, ig, eiw);
        *dpa = ((off >> (ig + eiw)) << ig) | bits(off, 0, ig);
    } else {
        /* 3 x 2^k ways: low k way bits, then the rest modulo 3 */
        unsigned k = eiw - 8;
        uint64_t upper = off >> (ig + k);

        *pos = bits(off, ig, k) | (upper % 3) << k;
        *dpa = ((upper / 3) << ig) | bits(off, 0, ig);
    }
}

static void test_arithmetic(void)
{
    static const uint8_t eiws[] = { 0, 1, 2, 3, 4, 8, 9, 10 };
    uint64_t offs[64];
    unsigned n = 0, i, j, e;

    /* Offsets at every edge: 0, stripe boundaries -1/0/+1, large ones */
    offs[n++] = 0;
    offs[n++] = 1;
    for (i = 8; i < 40; i += 3) {
        offs[n++] = (1ull << i) - 1;
        offs[n++] = 1ull << i;
        offs[n++] = (1ull << i) + 1;
    }
    offs[n++] = 3ull * 256 * 12345 + 17;
    offs[n++] = 0xfffffffffffull;
    g_assert(n <= ARRAY_SIZE(offs));

    for (e = 0; e <= 6; e++) {
        uint64_t gran = cxl_eig_to_granularity(e);
        for (j = 0; j < ARRAY_SIZE(eiws); j++) {
            unsigned ways = cxl_eiw_to_ways(eiws[j]);
            for (i = 0; i < n; i++) {
                unsigned pos;
                uint64_t dpa;

                spec_decode(offs[i], e, eiws[j], &pos, &dpa);
                g_assert_cmpuint(cxl_interleave_position(offs[i], gran, ways), ==, pos);
                g_assert_cmpuint(cxl_interleave_dpa_offset(offs[i], gran, ways), ==, dpa);
            }
        }
    }
}

/*
 * Every DPA of one device in a region is reached by exactly one HPA:
 * walk the first 64 stripes of every way and check the round trip.
 */
static void test_bijection(void)
{
    static const unsigned ways[] = { 1, 2, 3, 4, 6, 8, 12, 16 };
    unsigned w, p;
    uint64_t gran = 256, off;

    for (w = 0; w < ARRAY_SIZE(ways); w++) {
        g_autofree uint8_t *seen = g_new0(uint8_t, ways[w] * 64 * gran / 8);

        for (off = 0; off < ways[w] * 64 * gran; off += 8) {
            unsigned pos = cxl_interleave_position(off, gran, ways[w]);
            uint64_t dpa = cxl_interleave_dpa_offset(off, gran, ways[w]);
            uint64_t slot = pos * 64 * gran / 8 + dpa / 8;

            g_assert_cmpuint(dpa, <, 64 * gran);
            g_assert_cmpuint(seen[slot], ==, 0);
            seen[slot] = 1;
        }
        for (p = 0; p < ways[w] * 64 * gran / 8; p++) {
            g_assert_cmpuint(seen[p], ==, 1);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cxl/decode/encodings", test_encodings);
    g_test_add_func("/cxl/decode/arithmetic", test_arithmetic);
    g_test_add_func("/cxl/decode/bijection", test_bijection);
    return g_test_run();
}
