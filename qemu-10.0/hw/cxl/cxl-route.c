/*
 * Where an access to a CXL Fixed Memory Window goes: the walk through the
 * committed HDM decoders, and the flat route table built from it
 * (hw/cxl/cxl-route.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pci_host.h"
#include "hw/pci/pcie_port.h"
#include "hw/pci-bridge/pci_expander_bridge.h"
#include "hw/cxl/cxl.h"
#include "cxl-route.h"
#include "trace.h"

/* More slots than this in one segment: the window uses the walk */
#define CXL_ROUTE_TABLE_MAX_SLOTS   (64 * 1024)

/* A committed HDM decoder, as the decode uses it (CXL r3.1 8.2.4.20) */
typedef struct CXLHDMRange {
    uint64_t base, size, granularity;
    unsigned ways;
    uint32_t ctrl;
} CXLHDMRange;

static unsigned cxl_hdm_count(const uint32_t *cache_mem)
{
    uint32_t cap = ldl_le_p(cache_mem + R_CXL_HDM_DECODER_CAPABILITY);

    return cxl_decoder_count_dec(FIELD_EX32(cap, CXL_HDM_DECODER_CAPABILITY,
                                            DECODER_COUNT));
}

/* Decoder @n of @cache_mem, if it is committed */
static bool cxl_hdm_committed(const uint32_t *cache_mem, int n, CXLHDMRange *d)
{
    d->ctrl = ldl_le_p(cache_mem + R_CXL_HDM_DECODER0_CTRL +
                       n * CXL_HDM_DECODER_STRIDE / 4);
    if (!FIELD_EX32(d->ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED)) {
        return false;
    }
    d->base = cxl_hdm_reg64(cache_mem, n, A_CXL_HDM_DECODER0_BASE_LO) &
              ~(uint64_t)0xfffffff;
    d->size = cxl_hdm_reg64(cache_mem, n, A_CXL_HDM_DECODER0_SIZE_LO) &
              ~(uint64_t)0xfffffff;
    d->granularity = cxl_decode_ig(FIELD_EX32(d->ctrl, CXL_HDM_DECODER0_CTRL,
                                              IG));
    /* committed, so its encoding is one the component supports */
    d->ways = cxl_interleave_ways_dec(FIELD_EX32(d->ctrl,
                                                 CXL_HDM_DECODER0_CTRL, IW),
                                      NULL);
    return d->ways != 0;
}

/*
 * The Target List entry that the committed HDM decoder of a host bridge
 * or a switch's upstream port covering @hpa picks: the one at the
 * interleave position, which is the spec's HPA bit slice for 2, 4 and 8
 * ways and its "HPA[51:IG+8] mod 3" forms for 3, 6 and 12 (9.13.1).
 * Decoders that are not committed decode nothing (8.2.4.20.12).
 */
static const char *cxl_hdm_find_target(const uint32_t *cache_mem, hwaddr hpa,
                                       uint8_t *target)
{
    unsigned n, pos;
    CXLHDMRange d;

    for (n = 0; n < cxl_hdm_count(cache_mem); n++) {
        if (!cxl_hdm_committed(cache_mem, n, &d) ||
            hpa < d.base || hpa - d.base >= d.size) {
            continue;
        }
        if (d.ways > 8) {
            return "more interleave ways than its Target List holds";
        }
        pos = cxl_interleave_position(hpa, d.granularity, d.ways);
        *target = extract32(ldl_le_p(cache_mem + (pos < 4 ?
                                     R_CXL_HDM_DECODER0_TARGET_LIST_LO :
                                     R_CXL_HDM_DECODER0_TARGET_LIST_HI) +
                                     n * CXL_HDM_DECODER_STRIDE / 4),
                            (pos % 4) * 8, 8);
        return NULL;
    }
    return "no committed HDM decoder covers the address";
}

static bool cxl_route_fail(CXLRoute *r, hwaddr hpa, const char *level,
                           const char *why)
{
    r->dev = NULL;
    r->level = level;
    r->why = why;
    trace_cxl_route_fail(hpa, level, why);
    return false;
}

bool cxl_route(CXLFixedWindow *fw, hwaddr hpa, CXLRoute *r)
{
    PCIHostState *hb;
    CXLComponentState *cs;
    PCIDevice *port, *d;
    const char *why;
    uint8_t target;
    unsigned pos;

    memset(r, 0, sizeof(*r));
    if (hpa < fw->base || hpa - fw->base >= fw->size) {
        return cxl_route_fail(r, hpa, "window", "outside the window");
    }

    /* The window's interleave picks a host bridge (9.13.1) */
    pos = cxl_interleave_position(hpa, cxl_decode_ig(fw->enc_int_gran),
                                  fw->num_targets);
    if (!fw->target_hbs[pos]) {
        return cxl_route_fail(r, hpa, "window", "its targets are not linked");
    }
    hb = PCI_HOST_BRIDGE(fw->target_hbs[pos]->cxl_host_bridge);
    if (!hb || !hb->bus || !pci_bus_is_cxl(hb->bus)) {
        return cxl_route_fail(r, hpa, "window", "no CXL host bridge");
    }

    /* Its HDM decoder picks a root port, unless it passes through */
    if (cxl_get_hb_passthrough(hb)) {
        port = pcie_find_port_first(hb->bus);
        if (!port) {
            return cxl_route_fail(r, hpa, "host bridge", "no root port");
        }
    } else {
        cs = cxl_get_hb_cstate(hb);
        if (!cs) {
            return cxl_route_fail(r, hpa, "host bridge",
                                  "no component registers");
        }
        why = cxl_hdm_find_target(cs->crb.cache_mem_registers, hpa, &target);
        if (why) {
            return cxl_route_fail(r, hpa, "host bridge", why);
        }
        port = pcie_find_port_by_pn(hb->bus, target);
        if (!port) {
            return cxl_route_fail(r, hpa, "host bridge",
                                  "no root port with the target's number");
        }
    }
    trace_cxl_route_host_bridge(hpa, pos, PCIE_PORT(port)->port);

    /* Each switch's upstream port decoder picks a downstream port */
    for (;;) {
        d = pci_bridge_get_sec_bus(PCI_BRIDGE(port))->devices[0];
        if (!d || !object_dynamic_cast(OBJECT(d), TYPE_CXL_USP)) {
            break;
        }
        cs = cxl_usp_to_cstate(CXL_USP(d));
        why = cxl_hdm_find_target(cs->crb.cache_mem_registers, hpa, &target);
        if (why) {
            return cxl_route_fail(r, hpa, "switch", why);
        }
        port = pcie_find_port_by_pn(pci_bridge_get_sec_bus(PCI_BRIDGE(d)),
                                    target);
        if (!port) {
            return cxl_route_fail(r, hpa, "switch",
                                  "no downstream port with the target's "
                                  "number");
        }
        trace_cxl_route_switch(hpa, PCIE_PORT(port)->port);
    }
    if (!d || !object_dynamic_cast(OBJECT(d), TYPE_CXL_TYPE3)) {
        return cxl_route_fail(r, hpa, "port", "no CXL Type 3 device below it");
    }

    /* The device's decoder gives the DPA */
    r->dev = CXL_TYPE3(d);
    if (!cxl_type3_endpoint_decode(r->dev, hpa, &r->ep)) {
        return cxl_route_fail(r, hpa, "endpoint",
                              "no committed HDM decoder covers the address");
    }
    r->dpa = r->ep.dpa_base +
             cxl_interleave_dpa_offset(hpa - r->ep.hpa_base,
                                       r->ep.granularity, r->ep.ways);
    trace_cxl_route_endpoint(hpa, r->dpa);
    return true;
}

/* The table */

typedef struct CXLRouteBuild {
    GArray *bounds;             /* uint64_t HPA boundaries */
    GPtrArray *selectors;       /* host bridges' and switches' registers */
    GArray *targets;            /* CXLRouteTarget */
    GHashTable *target_index;   /* its key -> index + 1 */
} CXLRouteBuild;

/* The committed decoders of @cache_mem: their boundaries, and @selects */
static void cxl_route_collect(CXLRouteBuild *b, uint32_t *cache_mem,
                              bool selects)
{
    CXLHDMRange d;
    unsigned n;

    for (n = 0; n < cxl_hdm_count(cache_mem); n++) {
        if (cxl_hdm_committed(cache_mem, n, &d)) {
            uint64_t end = d.base + d.size;

            g_array_append_val(b->bounds, d.base);
            g_array_append_val(b->bounds, end);
        }
    }
    if (selects) {
        g_ptr_array_add(b->selectors, cache_mem);
    }
}

/* Every component below root port or downstream port @port */
static void cxl_route_collect_below(CXLRouteBuild *b, PCIDevice *port)
{
    PCIDevice *d = pci_bridge_get_sec_bus(PCI_BRIDGE(port))->devices[0];
    PCIBus *bus;
    int devfn;

    if (!d) {
        return;
    }
    if (object_dynamic_cast(OBJECT(d), TYPE_CXL_TYPE3)) {
        cxl_route_collect(b, CXL_TYPE3(d)->cxl_cstate.crb.cache_mem_registers,
                          false);
        return;
    }
    if (!object_dynamic_cast(OBJECT(d), TYPE_CXL_USP)) {
        return;
    }
    cxl_route_collect(b, cxl_usp_to_cstate(CXL_USP(d))->crb.cache_mem_registers,
                      true);
    bus = pci_bridge_get_sec_bus(PCI_BRIDGE(d));
    for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        if (bus->devices[devfn] &&
            object_dynamic_cast(OBJECT(bus->devices[devfn]), TYPE_PCIE_PORT)) {
            cxl_route_collect_below(b, bus->devices[devfn]);
        }
    }
}

/* Every component a window's decode can reach, each host bridge once */
static void cxl_route_collect_window(CXLRouteBuild *b, CXLFixedWindow *fw)
{
    unsigned t, u;
    int devfn;

    for (t = 0; t < fw->num_targets; t++) {
        PCIHostState *hb;
        CXLComponentState *cs;

        u = 0;
        while (u < t && fw->target_hbs[u] != fw->target_hbs[t]) {
            u++;
        }
        if (u < t || !fw->target_hbs[t]) {
            continue;
        }
        hb = PCI_HOST_BRIDGE(fw->target_hbs[t]->cxl_host_bridge);
        if (!hb || !hb->bus) {
            continue;
        }
        cs = cxl_get_hb_cstate(hb);
        if (cs && !cxl_get_hb_passthrough(hb)) {
            cxl_route_collect(b, cs->crb.cache_mem_registers, true);
        }
        for (devfn = 0; devfn < ARRAY_SIZE(hb->bus->devices); devfn++) {
            PCIDevice *d = hb->bus->devices[devfn];

            if (d && object_dynamic_cast(OBJECT(d), TYPE_PCIE_PORT)) {
                cxl_route_collect_below(b, d);
            }
        }
    }
}

static int cxl_route_cmp_u64(gconstpointer a, gconstpointer b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/*
 * A level that interleaves @ways at @gran: the chunk is no larger than
 * its granularity, and the period a multiple of gran x ways (ways is 2^n
 * or 3 x 2^n, granularities are powers of two)
 */
static void cxl_route_shape_level(uint64_t gran, unsigned ways,
                                  uint64_t *chunk, uint64_t *pow2, bool *three)
{
    if (ways <= 1) {
        return;
    }
    *chunk = MIN(*chunk, gran);
    *pow2 = MAX(*pow2, gran * (ways % 3 ? ways : ways / 3));
    *three |= !(ways % 3);
}

static uint32_t cxl_route_target_index(CXLRouteBuild *b,
                                       const CXLRouteTarget *tg)
{
    g_autofree char *key =
        g_strdup_printf("%p/%" PRIx64 "/%" PRIx64 "/%" PRIx64 "/%u/%p/%p",
                        tg->dev, tg->ep.hpa_base, tg->ep.dpa_base,
                        tg->ep.granularity, tg->ep.ways, tg->level, tg->why);
    gpointer v = g_hash_table_lookup(b->target_index, key);

    if (v) {
        return GPOINTER_TO_UINT(v) - 1;
    }
    g_array_append_val(b->targets, *tg);
    g_hash_table_insert(b->target_index, g_steal_pointer(&key),
                        GUINT_TO_POINTER(b->targets->len));
    return b->targets->len - 1;
}

/* Fill segment @s, [start, end); false if it would need too many slots */
static bool cxl_route_build_segment(CXLFixedWindow *fw, CXLRouteBuild *b,
                                    CXLRouteSegment *s)
{
    uint64_t chunk = 256 * MiB, pow2 = 1, c0;
    bool three = false;
    unsigned i, n, k;

    cxl_route_shape_level(cxl_decode_ig(fw->enc_int_gran), fw->num_targets,
                          &chunk, &pow2, &three);
    for (i = 0; i < b->selectors->len; i++) {
        const uint32_t *cache_mem = g_ptr_array_index(b->selectors, i);
        CXLHDMRange d;

        for (n = 0; n < cxl_hdm_count(cache_mem); n++) {
            if (cxl_hdm_committed(cache_mem, n, &d) &&
                s->start >= d.base && s->start - d.base < d.size) {
                cxl_route_shape_level(d.granularity, d.ways, &chunk, &pow2,
                                      &three);
            }
        }
    }
    s->chunk_shift = ctz64(chunk);
    s->period = MAX(pow2 * (three ? 3 : 1) / chunk, 1);
    if (s->period > CXL_ROUTE_TABLE_MAX_SLOTS ||
        !cxl_interleave_divisor(s->period, &s->period_div)) {
        return false;
    }
    s->slot = g_new(uint32_t, s->period);

    /* Slot k: the chunks c with c mod period == k; ask about the first */
    c0 = s->start >> s->chunk_shift;
    for (k = 0; k < s->period; k++) {
        uint64_t hpa = (c0 + (k + s->period - c0 % s->period) % s->period)
                       << s->chunk_shift;
        CXLRouteTarget tg = { 0 };
        CXLRoute r;

        if (hpa >= s->end) {
            tg.level = "window";
            tg.why = "no address of the segment uses this slot";
        } else if (cxl_route(fw, hpa, &r) &&
                   cxl_interleave_divisor(r.ep.granularity, &tg.gran) &&
                   !tg.gran.three &&
                   cxl_interleave_divisor(r.ep.ways, &tg.ways)) {
            tg.dev = r.dev;
            tg.ep = r.ep;
        } else if (r.dev) {
            /* the walk checked the decoder's encodings: cannot happen */
            return false;
        } else {
            tg.level = r.level;
            tg.why = r.why;
        }
        s->slot[k] = cxl_route_target_index(b, &tg);
    }
    return true;
}

void cxl_route_table_free(CXLRouteTable *t)
{
    unsigned i;

    if (!t) {
        return;
    }
    for (i = 0; i < t->nsegs; i++) {
        g_free(t->segs[i].slot);
    }
    g_free(t->segs);
    g_free(t->targets);
    g_free(t);
}

/* Tables are built under the BQL */
static uint64_t cxl_route_table_serial;

/*
 * The table for @fw as its decoders stand, or NULL when a segment would
 * need more slots than we keep (absurd interleaves): the window then
 * uses the walk
 */
CXLRouteTable *cxl_route_table_build(CXLFixedWindow *fw)
{
    CXLRouteBuild b = {
        .bounds = g_array_new(false, false, sizeof(uint64_t)),
        .selectors = g_ptr_array_new(),
        .targets = g_array_new(false, false, sizeof(CXLRouteTarget)),
        .target_index = g_hash_table_new_full(g_str_hash, g_str_equal,
                                              g_free, NULL),
    };
    GArray *segs = g_array_new(false, true, sizeof(CXLRouteSegment));
    CXLRouteTable *t = g_new0(CXLRouteTable, 1);
    uint64_t end = fw->base + fw->size, prev = fw->base;
    bool fits = true;
    unsigned i;

    cxl_route_collect_window(&b, fw);
    g_array_append_val(b.bounds, end);
    g_array_sort(b.bounds, cxl_route_cmp_u64);
    for (i = 0; i < b.bounds->len && fits; i++) {
        uint64_t at = MIN(g_array_index(b.bounds, uint64_t, i), end);
        CXLRouteSegment s = { .start = prev, .end = at };

        if (at <= prev) {
            continue;
        }
        fits = cxl_route_build_segment(fw, &b, &s);
        g_array_append_val(segs, s);
        prev = at;
    }
    t->nsegs = segs->len;
    t->segs = (CXLRouteSegment *)g_array_free(segs, false);
    t->ntargets = b.targets->len;
    t->targets = (CXLRouteTarget *)g_array_free(b.targets, false);
    g_array_free(b.bounds, true);
    g_ptr_array_free(b.selectors, true);
    g_hash_table_destroy(b.target_index);
    if (!fits) {
        trace_cxl_route_table_too_large(fw->base);
        cxl_route_table_free(t);
        return NULL;
    }
    t->serial = ++cxl_route_table_serial;
    trace_cxl_route_table_build(fw->base, t->nsegs, t->ntargets);
    return t;
}

/*
 * The tables follow the decoders: a change to any component's decoders
 * (a commit, an uncommit, a reset, a device going away) happens under the
 * BQL and makes every table stale; the window's next access takes the BQL
 * and builds its table again before it looks anything up. Accesses that
 * find their window's table current use it without the BQL, under RCU.
 * The generation a table was built for is published after the table, so
 * a reader that sees its window's generation current sees that table.
 */
static uint64_t cxl_routes_generation = 1;
static Notifier cxl_routes_notifier;

static void cxl_routes_changed(Notifier *n, void *data)
{
    qatomic_set(&cxl_routes_generation, cxl_routes_generation + 1);
}

void cxl_routes_init(CXLState *state)
{
    if (!cxl_routes_notifier.notify) {
        cxl_routes_notifier.notify = cxl_routes_changed;
        cxl_component_add_decoder_notifier(&cxl_routes_notifier);
    }
}

static void cxl_route_table_free_rcu(CXLRouteTable *t)
{
    cxl_route_table_free(t);
}

bool cxl_window_routes_current(CXLFixedWindow *fw)
{
    return qatomic_read(&fw->routes) &&
           qatomic_load_acquire(&fw->routes_generation) ==
           qatomic_read(&cxl_routes_generation);
}

const CXLRouteTable *cxl_window_routes_peek(CXLFixedWindow *fw)
{
    if (!fw->state || !qatomic_read(&fw->state->fast_path) ||
        qatomic_load_acquire(&fw->routes_generation) !=
        qatomic_read(&cxl_routes_generation)) {
        return NULL;
    }
    return qatomic_rcu_read(&fw->routes);
}

bool cxl_route_table_route(const CXLRouteTable *t, hwaddr hpa, CXLRoute *r)
{
    const CXLRouteTarget *tg = cxl_route_table_lookup(t, hpa);

    memset(r, 0, sizeof(*r));
    if (!tg->dev) {
        r->level = tg->level;
        r->why = tg->why;
        return false;
    }
    r->dev = tg->dev;
    r->ep = tg->ep;
    r->dpa = cxl_route_target_dpa(tg, hpa);
    return true;
}

const CXLRouteTable *cxl_window_routes(CXLFixedWindow *fw)
{
    uint64_t generation = cxl_routes_generation;

    assert(bql_locked());
    if (!fw->state || !fw->state->fast_path) {
        return NULL;
    }
    if (fw->routes_generation != generation) {
        CXLRouteTable *old = fw->routes;

        qatomic_rcu_set(&fw->routes, cxl_route_table_build(fw));
        qatomic_store_release(&fw->routes_generation, generation);
        if (old) {
            call_rcu(old, cxl_route_table_free_rcu, rcu);
        }
    }
    return fw->routes;
}

bool cxl_window_route(CXLFixedWindow *fw, hwaddr hpa, CXLRoute *r)
{
    const CXLRouteTable *t = cxl_window_routes(fw);

    if (!t) {
        return cxl_route(fw, hpa, r);
    }
    return cxl_route_table_route(t, hpa, r);
}
