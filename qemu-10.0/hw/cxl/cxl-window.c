/*
 * CXL Fixed Memory Window accesses, trapped: each goes to the Type 3
 * device and DPA that the HDM decoders programmed along its way lead to
 * (CXL r3.1 8.2.4.20), from the window's route table (cxl-route.c) or,
 * without a current one, by walking the decoders (the reference).
 * Pages of a window that one device backs whole are mapped into the
 * guest instead (cxl-window-map.c), so that only the rest comes here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/bitops.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_host.h"
#include "cxl-route.h"

/*
 * A window access goes where the decoders lead: the device, at the DPA
 * its decoder gives. Reads that decode nowhere return all ones, writes
 * are dropped. The window's region is lockless
 * (memory_region_enable_lockless_io): an access that finds its window's
 * route table current uses it under RCU alone, so vCPUs streaming to CXL
 * memory do not queue on the BQL; any other access (the reference path,
 * a table to build again after the decoders changed) takes the BQL as
 * every MMIO access did. Nothing here changes a memory map, reads the
 * accessing CPU's state or raises an interrupt, so TCG may also perform
 * the access from within a translation block
 * (memory_region_enable_io_within_tb) instead of retranslating the
 * instruction to end one.
 */
static MemTxResult cxl_cfmws_access(const CXLRoute *r, bool routed,
                                    hwaddr hpa, uint64_t *data, unsigned size,
                                    MemTxAttrs attrs, bool is_write)
{
    if (!routed) {
        qemu_log_mask(LOG_GUEST_ERROR, "cxl: %s at HPA 0x%" HWADDR_PRIx
                      " decodes nowhere: %s: %s; %s\n",
                      is_write ? "write" : "read", hpa, r->level, r->why,
                      is_write ? "dropped" : "reads all ones");
        if (is_write) {
            return MEMTX_OK;
        }
        /* as a PCIe read that ends in Unsupported Request */
        *data = MAKE_64BIT_MASK(0, size * 8);
        return MEMTX_ERROR;
    }
    if (is_write) {
        return cxl_type3_write_dpa(r->dev, r->dpa, *data, size, attrs);
    }
    return cxl_type3_read_dpa(r->dev, r->dpa, data, size, attrs);
}

/*
 * The stretch of a window that this thread's last routed access fell in:
 * HPA [lo, hi), a chunk of a segment of the route table (over which the
 * device and the DPA's offset from the address stay the same), that
 * reaches one device's static capacity. It is good while its window
 * publishes that very table: a vCPU streaming at 256 B interleave finds
 * 32 8-byte accesses in a row in it, and skips the lookup and the DPA
 * arithmetic.
 */
typedef struct CXLWindowStretch {
    const CXLRouteTable *table;
    uint64_t serial;            /* the table's: an address can be reused */
    hwaddr lo, hi;
    CXLType3Dev *dev;
    uint8_t *host;              /* the host bytes of lo */
    MemoryRegionCache *cache;   /* the RAM they are in, lo at cache_off */
    hwaddr cache_off;
} CXLWindowStretch;

static __thread CXLWindowStretch cxl_window_stretch;

/* An access within @st: false if the media is disabled (Sanitize) */
static bool cxl_stretch_access(CXLWindowStretch *st, hwaddr hpa,
                               uint64_t *data, unsigned size, bool is_write)
{
    hwaddr off = hpa - st->lo;

    if (unlikely(cxl_dev_media_disabled(&st->dev->cxl_dstate))) {
        return false;
    }
    if (is_write) {
        stn_le_p(st->host + off, size, *data);
        address_space_cache_invalidate(st->cache, st->cache_off + off, size);
    } else {
        *data = ldn_le_p(st->host + off, size);
    }
    return true;
}

/*
 * Make @tg's chunk around @hpa, in segment @s of @t, this thread's
 * stretch; no larger than one granule of the endpoint's interleave, over
 * which its DPA follows the address even where the levels above it
 * interleave differently (the guest may program them so)
 */
static void cxl_stretch_fill(const CXLRouteTable *t, const CXLRouteSegment *s,
                             const CXLRouteTarget *tg, hwaddr hpa)
{
    CXLWindowStretch *st = &cxl_window_stretch;
    unsigned shift = s->chunk_shift;
    hwaddr lo, hi;

    if (tg->ways.shift || tg->ways.three) {
        shift = MIN(shift, tg->gran.shift);
    }
    lo = MAX(hpa & ~((1ULL << shift) - 1), s->start);
    hi = MIN((hpa & ~((1ULL << shift) - 1)) + (1ULL << shift), s->end);
    st->table = NULL;
    st->host = cxl_type3_static_host(tg->dev, cxl_route_target_dpa(tg, lo),
                                     hi - lo, &st->cache, &st->cache_off);
    if (st->host) {
        st->table = t;
        st->serial = t->serial;
        st->lo = lo;
        st->hi = hi;
        st->dev = tg->dev;
    }
}

/* One access within a 256-byte block, so that it reaches one device */
static MemTxResult cxl_cfmws_rw_one(CXLFixedWindow *fw, hwaddr hpa,
                                    uint64_t *data, unsigned size,
                                    MemTxAttrs attrs, bool is_write)
{
    CXLRoute r;
    bool routed;

    WITH_RCU_READ_LOCK_GUARD() {
        const CXLRouteTable *t = cxl_window_routes_peek(fw);

        if (t) {
            CXLWindowStretch *st = &cxl_window_stretch;
            const CXLRouteSegment *s;
            const CXLRouteTarget *tg;

            if (st->table == t && st->serial == t->serial &&
                hpa >= st->lo && hpa + size <= st->hi &&
                cxl_stretch_access(st, hpa, data, size, is_write)) {
                return MEMTX_OK;
            }
            s = cxl_route_table_segment(t, hpa);
            tg = cxl_route_segment_target(t, s, hpa);
            /* the common case without filling in a CXLRoute */
            if (likely(tg->dev)) {
                uint64_t dpa = cxl_route_target_dpa(tg, hpa);

                cxl_stretch_fill(t, s, tg, hpa);
                return is_write ?
                    cxl_type3_write_dpa(tg->dev, dpa, *data, size, attrs) :
                    cxl_type3_read_dpa(tg->dev, dpa, data, size, attrs);
            }
            routed = cxl_route_table_route(t, hpa, &r);
            return cxl_cfmws_access(&r, routed, hpa, data, size, attrs,
                                    is_write);
        }
    }

    BQL_LOCK_GUARD();
    routed = cxl_window_route(fw, hpa, &r);
    return cxl_cfmws_access(&r, routed, hpa, data, size, attrs, is_write);
}

/*
 * Every level interleaves at 256 B or more (CXL r3.1 8.2.4.20.7), so an
 * access that crosses a 256-byte boundary (the region allows unaligned
 * accesses) can reach two devices: it goes byte by byte.
 */
static MemTxResult cxl_cfmws_rw(CXLFixedWindow *fw, hwaddr addr,
                                uint64_t *data, unsigned size,
                                MemTxAttrs attrs, bool is_write)
{
    hwaddr hpa = fw->base + addr;
    MemTxResult res = MEMTX_OK;
    unsigned i;

    if ((hpa & 255) + size <= 256) {
        return cxl_cfmws_rw_one(fw, hpa, data, size, attrs, is_write);
    }
    for (i = 0; i < size; i++) {
        uint64_t byte = extract64(*data, 8 * i, 8);

        res |= cxl_cfmws_rw_one(fw, hpa + i, &byte, 1, attrs, is_write);
        if (!is_write) {
            *data = deposit64(*data, 8 * i, 8, byte);
        }
    }
    return res;
}

static MemTxResult cxl_read_cfmws(void *opaque, hwaddr addr, uint64_t *data,
                                  unsigned size, MemTxAttrs attrs)
{
    return cxl_cfmws_rw(opaque, addr, data, size, attrs, false);
}

static MemTxResult cxl_write_cfmws(void *opaque, hwaddr addr,
                                   uint64_t data, unsigned size,
                                   MemTxAttrs attrs)
{
    return cxl_cfmws_rw(opaque, addr, &data, size, attrs, true);
}

const MemoryRegionOps cfmws_ops = {
    .read_with_attrs = cxl_read_cfmws,
    .write_with_attrs = cxl_write_cfmws,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
};
