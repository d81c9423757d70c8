/*
 * The interleave arithmetic of include/hw/cxl/cxl_interleave.h against
 * its definition (CXL r3.1 8.2.4.20.7, 9.13.1): a level sends the chunk
 * of granularity bytes at HPA offset x to target (x / gran) mod ways, and
 * a device's chunks follow each other in its DPA space without gaps.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "hw/cxl/cxl_interleave.h"

static const unsigned all_ways[] = { 1, 2, 4, 8, 16, 3, 6, 12 };

/* Values of x where a division by n could go wrong */
static uint64_t probe(GRand *r, uint64_t n, unsigned i)
{
    uint64_t m = (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);

    switch (i % 6) {
    case 0:
        return m;
    case 1:
        return (m / n) * n;                 /* a multiple */
    case 2:
        return (m / n) * n - 1;             /* just below one */
    case 3:
        return m >> (i % 64);               /* small values */
    case 4:
        return UINT64_MAX - (m >> 40);      /* the top of the range */
    default:
        return i;
    }
}

/* Only 2^k and 3 x 2^k are divisors, and they divide as / and % do */
static void test_divisor(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(1);
    uint64_t n;
    unsigned i;

    for (n = 0; n < 100000; n++) {
        CXLInterleaveDivisor d;
        uint64_t odd = n >> ctz64(n | (1ULL << 63));
        bool shaped = n && (odd == 1 || odd == 3);

        g_assert_cmpint(cxl_interleave_divisor(n, &d), ==, shaped);
        if (!shaped) {
            continue;
        }
        for (i = 0; i < 600; i++) {
            uint64_t x = probe(r, n, i);

            g_assert_cmpuint(cxl_interleave_div(x, d), ==, x / n);
            g_assert_cmpuint(cxl_interleave_mod(x, d), ==, x % n);
        }
    }
    for (i = 0; i < 63; i++) {
        CXLInterleaveDivisor d;

        g_assert_true(cxl_interleave_divisor(1ULL << i, &d));
        g_assert_cmpuint(d.shift, ==, i);
        g_assert_false(d.three);
        if (i < 62) {
            g_assert_true(cxl_interleave_divisor(3ULL << i, &d));
            g_assert_cmpuint(d.shift, ==, i);
            g_assert_true(d.three);
        }
    }
}

/*
 * At every legal ways and granularity: the position is (x / gran) mod
 * ways, and each target's chunks, in HPA order, fill its DPA space from
 * 0 without a gap or an overlap, by both forms of the DPA arithmetic
 */
static void test_dpa_offset(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(2);
    unsigned w, g, i, pos;

    for (w = 0; w < ARRAY_SIZE(all_ways); w++) {
        unsigned ways = all_ways[w];
        CXLInterleaveDivisor wd;

        g_assert_true(cxl_interleave_divisor(ways, &wd));
        for (g = 8; g <= 14; g++) {
            uint64_t gran = 1ULL << g, stripe = gran * ways;
            uint64_t next_dpa[16] = { 0 };
            CXLInterleaveDivisor gd;
            uint64_t x;

            g_assert_true(cxl_interleave_divisor(gran, &gd));
            /* 24 stripes, a chunk at a time, both ends of each chunk */
            for (x = 0; x < 24 * stripe; x += gran) {
                pos = cxl_interleave_position(x, gran, ways);
                g_assert_cmpuint(pos, ==, (x / gran) % ways);
                g_assert_cmpuint(cxl_interleave_dpa_offset(x, gran, ways),
                                 ==, next_dpa[pos]);
                g_assert_cmpuint(cxl_interleave_dpa_offset_div(x, gd, wd),
                                 ==, next_dpa[pos]);
                g_assert_cmpuint(cxl_interleave_dpa_offset_div(x + gran - 1,
                                                               gd, wd),
                                 ==, next_dpa[pos] + gran - 1);
                next_dpa[pos] += gran;
            }
            for (pos = 0; pos < ways; pos++) {
                g_assert_cmpuint(next_dpa[pos], ==, 24 * gran);
            }
            /* and anywhere in a 2^52-byte window */
            for (i = 0; i < 2000; i++) {
                uint64_t off = probe(r, stripe, i) >> 12;

                g_assert_cmpuint(cxl_interleave_dpa_offset_div(off, gd, wd),
                                 ==, cxl_interleave_dpa_offset(off, gran,
                                                               ways));
            }
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cxl/interleave/divisor", test_divisor);
    g_test_add_func("/cxl/interleave/dpa-offset", test_dpa_offset);
    return g_test_run();
}
