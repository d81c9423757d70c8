/*
 * Where an access to a CXL Fixed Memory Window goes: the reference walk
 * through the HDM decoders (hw/cxl/cxl-route.c) and the flat route table
 * computed from it whenever decoders change.
 *
 * The walk follows the decoders the guest committed, in the order the
 * hardware decodes (CXL r3.1 9.13.1, 8.2.4.20): the window's interleave
 * picks a host bridge, the host bridge's decoder a root port, each
 * switch's upstream port decoder a downstream port, as many levels as
 * there are, and the Type 3 device's decoder turns the host physical
 * address (HPA) into a device physical address (DPA).
 *
 * The table cuts the window's HPA range at every committed decoder's
 * boundaries into segments over which the same decoders apply. Every
 * level picks its target from (HPA / granularity) mod ways, so within a
 * segment the device reached is constant over aligned chunks of the
 * smallest granularity that interleaves, and repeats every "period"
 * chunks: one slot per chunk of a period names a target, a device with
 * the endpoint decoder that gives the DPA or a failed decode with its
 * level and reason. Each slot is filled by asking the walk about an
 * address of its chunk, so the table answers what the walk would for
 * every address. Readers use it under RCU.
 *
 * Private to hw/cxl: the machine sees only what cxl-host.c offers, and
 * the interleave arithmetic is in include/hw/cxl/cxl_interleave.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef CXL_ROUTE_H
#define CXL_ROUTE_H

#include "qemu/rcu.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_interleave.h"

/* The outcome of a walk */
typedef struct CXLRoute {
    CXLType3Dev *dev;           /* the device reached, or NULL: */
    const char *level, *why;    /* the decode failed here, for this reason */
    CXLEndpointDecode ep;       /* the endpoint decoder that applies */
    uint64_t dpa;
} CXLRoute;

bool cxl_route(CXLFixedWindow *fw, hwaddr hpa, CXLRoute *r);

typedef struct CXLRouteTarget {
    CXLType3Dev *dev;           /* NULL: the decode fails ... */
    const char *level, *why;    /* ... at this level, for this reason */
    CXLEndpointDecode ep;
    CXLInterleaveDivisor gran;  /* ep's granularity and ways, for */
    CXLInterleaveDivisor ways;  /* cxl_route_target_dpa() */
} CXLRouteTarget;

typedef struct CXLRouteSegment {
    uint64_t start, end;        /* HPA [start, end) */
    unsigned chunk_shift;       /* routing is constant over 1 << this */
    unsigned period;            /* chunks until it repeats, and the */
    CXLInterleaveDivisor period_div; /* same as a divisor */
    uint32_t *slot;             /* [period]: index into the targets */
} CXLRouteSegment;

typedef struct CXLRouteTable {
    struct rcu_head rcu;
    uint64_t serial;            /* unique to this table among all built */
    unsigned nsegs, ntargets;
    CXLRouteSegment *segs;      /* in HPA order, covering the window */
    CXLRouteTarget *targets;
} CXLRouteTable;

/* The segment @hpa, which lies in the table's window, falls in */
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

/* Where @hpa, in segment @s of table @t, goes */
static inline const CXLRouteTarget *
cxl_route_segment_target(const CXLRouteTable *t, const CXLRouteSegment *s,
                         uint64_t hpa)
{
    return &t->targets[s->slot[cxl_interleave_mod(hpa >> s->chunk_shift,
                                             s->period_div)]];
}

/* Where @hpa, which lies in the table's window, goes */
static inline const CXLRouteTarget *
cxl_route_table_lookup(const CXLRouteTable *t, uint64_t hpa)
{
    return cxl_route_segment_target(t, cxl_route_table_segment(t, hpa), hpa);
}

/* The DPA @hpa reaches at @tg, a device */
static inline uint64_t cxl_route_target_dpa(const CXLRouteTarget *tg,
                                            uint64_t hpa)
{
    return tg->ep.dpa_base +
           cxl_interleave_dpa_offset_div(hpa - tg->ep.hpa_base, tg->gran,
                                         tg->ways);
}

CXLRouteTable *cxl_route_table_build(CXLFixedWindow *fw);
void cxl_route_table_free(CXLRouteTable *t);

/* Where @hpa, which lies in the table's window, goes, as cxl_route() says */
bool cxl_route_table_route(const CXLRouteTable *t, hwaddr hpa, CXLRoute *r);

/*
 * Where a window access at @hpa goes: from the route table when the
 * machine's cxl-fast-path is on (the default), built again first if the
 * decoders changed since; else from the walk. Needs the BQL.
 */
bool cxl_window_route(CXLFixedWindow *fw, hwaddr hpa, CXLRoute *r);

/*
 * @fw's route table, built again first if the decoders changed since, or
 * NULL if the machine's cxl-fast-path is off. Needs the BQL.
 */
const CXLRouteTable *cxl_window_routes(CXLFixedWindow *fw);

/*
 * @fw's route table if the fast path is on and the table is current,
 * else NULL: then ask cxl_window_route() under the BQL. Needs only an RCU
 * read section, for as long as the table (and the devices it names) are
 * used.
 */
const CXLRouteTable *cxl_window_routes_peek(CXLFixedWindow *fw);

/* Is @fw's route table built and up to date with the decoders? */
bool cxl_window_routes_current(CXLFixedWindow *fw);

/* Rebuild the route tables whenever a component's decoders change */
void cxl_routes_init(CXLState *state);

/*
 * Map what a window's route table reaches without interleave straight
 * into the guest, as aliases of the devices' RAM (cxl-window-map.c)
 */
void cxl_window_map_init(CXLState *state);

/* How a CPU reaches @hpa in @fw now (query-cxl's CxlWindowAccess). BQL. */
int cxl_window_access(CXLFixedWindow *fw, hwaddr hpa);

#endif
