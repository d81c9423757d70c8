/*
 * The arithmetic of interleaving, shared by every decoder level: which
 * target an address picks and what is left of it once the interleave is
 * taken out (CXL r3.1 8.2.4.20.7, 9.13.1). Pure functions, so that
 * tests/unit/test-cxl-interleave.c checks them without a machine.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CXL_INTERLEAVE_H
#define CXL_INTERLEAVE_H

#include "qemu/host-utils.h"

/* A level's interleave position of @hpa: 2^n ways and 3 x 2^n alike */
static inline unsigned cxl_interleave_position(uint64_t hpa, uint64_t gran,
                                               unsigned ways)
{
    return (hpa / gran) % ways;
}

/*
 * The DPA offset of @off, an offset into an endpoint decoder's HPA range:
 * the interleave removed (CXL r3.1 8.2.4.20.7, 9.13.1)
 */
static inline uint64_t cxl_interleave_dpa_offset(uint64_t off, uint64_t gran,
                                                 unsigned ways)
{
    return off / (gran * ways) * gran + off % gran;
}

/*
 * A divisor of the shape every interleave has, 2^shift or 3 x 2^shift
 * (ways, granularities and route periods alike): dividing by it is a
 * shift and at most a division by the constant 3, which the compiler
 * makes a multiplication. The window access path divides only so.
 */
typedef struct CXLInterleaveDivisor {
    uint8_t shift;
    bool three;
} CXLInterleaveDivisor;

/* @n as a CXLInterleaveDivisor; false if it has no such shape */
static inline bool cxl_interleave_divisor(uint64_t n, CXLInterleaveDivisor *d)
{
    d->shift = 0;
    d->three = n && !(n % 3);
    if (d->three) {
        n /= 3;
    }
    if (!n || (n & (n - 1))) {
        return false;
    }
    d->shift = ctz64(n);
    return true;
}

static inline uint64_t cxl_interleave_div(uint64_t x, CXLInterleaveDivisor d)
{
    x >>= d.shift;
    return d.three ? x / 3 : x;
}

/* x mod (3 x 2^s) is (x / 2^s mod 3) x 2^s + x mod 2^s */
static inline uint64_t cxl_interleave_mod(uint64_t x, CXLInterleaveDivisor d)
{
    uint64_t low = x & ((1ULL << d.shift) - 1);

    return d.three ? ((x >> d.shift) % 3) << d.shift | low : low;
}

/* cxl_interleave_dpa_offset() by @gran and @ways as divisors */
static inline uint64_t cxl_interleave_dpa_offset_div(uint64_t off,
                                                     CXLInterleaveDivisor gran,
                                                     CXLInterleaveDivisor ways)
{
    return (cxl_interleave_div(off >> gran.shift, ways) << gran.shift) +
           (off & ((1ULL << gran.shift) - 1));
}

#endif
