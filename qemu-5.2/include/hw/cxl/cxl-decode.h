/*
 * CXL 2.0 interleave encodings and arithmetic: small pure functions
 * shared by the HDM decoders, the fixed memory windows and the unit test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_CXL_CXL_DECODE_H
#define HW_CXL_CXL_DECODE_H

#include "qemu/host-utils.h"

/* CXL 2.0 8.2.5.12.7: Interleave Ways (eiw) -> ways; 0 when reserved */
static inline unsigned cxl_eiw_to_ways(uint8_t eiw)
{
    if (eiw <= 4) {
        return 1u << eiw;               /* 1, 2, 4, 8, 16 */
    }
    if (eiw >= 8 && eiw <= 10) {
        return 3u << (eiw - 8);         /* 3, 6, 12 */
    }
    return 0;
}

static inline bool cxl_ways_to_eiw(unsigned ways, uint8_t *eiw)
{
    uint8_t e;

    for (e = 0; e <= 10; e++) {
        if (cxl_eiw_to_ways(e) == ways && ways) {
            *eiw = e;
            return true;
        }
    }
    return false;
}

/* CXL 2.0 8.2.5.12.7: Interleave Granularity, 256 B << eig, eig 0..6 */
static inline uint64_t cxl_eig_to_granularity(uint8_t eig)
{
    return eig <= 6 ? 256ull << eig : 0;
}

static inline bool cxl_granularity_to_eig(uint64_t granularity, uint8_t *eig)
{
    if (granularity < 256 || granularity > 16384 || !is_power_of_2(granularity)) {
        return false;
    }
    *eig = ctz64(granularity) - 8;
    return true;
}

/*
 * Interleave arithmetic, one formula for every way count (CXL 2.0
 * 8.2.5.12.7 and 9.14.1.3). Target selection takes the host physical
 * address @hpa: for power-of-two ways, the address bits just above the
 * granularity, as the spec slices them; for 3, 6 and 12 ways, the spec's
 * "HPA[51:IG+8] mod 3" form with any power-of-two bits below it, which
 * is the same as (HPA / granularity) mod ways.
 */
static inline unsigned cxl_interleave_position(uint64_t hpa, uint64_t gran,
                                               unsigned ways)
{
    return (hpa / gran) % ways;
}

/*
 * The endpoint's DPA offset for @off, the offset into its decoder's HPA
 * range (whose base is a multiple of 256 MiB x ways): the interleave removed
 */
static inline uint64_t cxl_interleave_dpa_offset(uint64_t off, uint64_t gran,
                                                 unsigned ways)
{
    return off / (gran * ways) * gran + off % gran;
}

#endif
