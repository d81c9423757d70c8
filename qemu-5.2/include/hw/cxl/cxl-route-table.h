/*
 * The flat routing table of a CXL Fixed Memory Window: what the whole
 * decode (cxl-route.c) answers, computed once whenever a decoder commits,
 * uncommits or resets, so that an access costs arithmetic and a lookup
 * whatever the number of devices and switch levels.
 *
 * The window's HPA range is cut at every committed decoder's boundaries
 * into segments over which the same decoders apply. Within a segment,
 * every level picks its target from (HPA / granularity) mod ways, so the
 * device reached is constant over aligned chunks of the smallest
 * granularity that interleaves and repeats every "period" chunks: one
 * slot per chunk of a period names a target, which is a device with the
 * endpoint decoder that gives the DPA, or a failed decode with its level
 * and reason. Readers use it under RCU, without the big QEMU lock.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_CXL_CXL_ROUTE_TABLE_H
#define HW_CXL_CXL_ROUTE_TABLE_H

#include "qemu/rcu.h"
#include "hw/cxl/cxl-decode.h"

struct CXLType3Dev;

typedef struct CXLRouteTarget {
    struct CXLType3Dev *dev;        /* NULL: the decode fails ... */
    const char *level, *why;        /* ... at this level, for this reason */
    uint64_t ep_base;               /* the endpoint decoder's HPA base, */
    uint64_t dpa_base;              /* its first DPA (skip included) */
    uint64_t granularity;           /* and its interleave */
    unsigned ways;
    /* The same for the access path: shifts, ways_shift -1 for 3/6/12 ways */
    unsigned gran_shift;
    int ways_shift;
} CXLRouteTarget;

typedef struct CXLRouteSegment {
    uint64_t start, end;            /* HPA [start, end) */
    unsigned chunk_shift;           /* routing is constant over 1 << this */
    unsigned period;                /* chunks until it repeats */
    bool period_pow2;               /* then slot = chunk & (period - 1) */
    bool page_direct;               /* each 4 KiB page: one device, contiguous */
    uint32_t *slot;                 /* [period]: index into the targets */
} CXLRouteSegment;

typedef struct CXLRouteTable {
    struct rcu_head rcu;
    uint64_t generation;            /* unique over the run, never 0 */
    unsigned nsegs, ntargets;
    CXLRouteSegment *segs;          /* in HPA order, covering the window */
    CXLRouteTarget *targets;
} CXLRouteTable;

/* The segment holding @hpa (which must lie in the window) */
static inline const CXLRouteSegment *
cxl_route_table_segment(const CXLRouteTable *t, uint64_t hpa)
{
    unsigned lo = 0, hi = t->nsegs;

    while (hi - lo > 1) {
        unsigned mid = (lo + hi) / 2;

        if (hpa >= t->segs[mid].start) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return &t->segs[lo];
}

/* Where @hpa, in segment @s, goes */
static inline const CXLRouteTarget *
cxl_route_segment_lookup(const CXLRouteTable *t, const CXLRouteSegment *s,
                         uint64_t hpa)
{
    uint64_t chunk = hpa >> s->chunk_shift;

    return &t->targets[s->slot[s->period_pow2 ? chunk & (s->period - 1) :
                               chunk % s->period]];
}

/* Where @hpa goes; for a device, cxl_route_target_dpa() gives the DPA */
static inline const CXLRouteTarget *
cxl_route_table_lookup(const CXLRouteTable *t, uint64_t hpa)
{
    return cxl_route_segment_lookup(t, cxl_route_table_segment(t, hpa), hpa);
}

/* cxl_interleave_dpa_offset(), with shifts where the ways allow */
static inline uint64_t cxl_route_target_dpa(const CXLRouteTarget *tg,
                                            uint64_t hpa)
{
    uint64_t off = hpa - tg->ep_base;

    if (tg->ways_shift < 0) {
        return tg->dpa_base + cxl_interleave_dpa_offset(off, tg->granularity,
                                                        tg->ways);
    }
    return tg->dpa_base + (off >> (tg->gran_shift + tg->ways_shift) << tg->gran_shift) +
           (off & (tg->granularity - 1));
}

#endif
