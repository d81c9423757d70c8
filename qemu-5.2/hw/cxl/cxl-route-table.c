/*
 * Building a window's flat routing table (include/hw/cxl/cxl-route-table.h)
 * from the reference decode, and publishing it with RCU whenever a
 * decoder commits, uncommits or resets.
 *
 * Every slot is filled by asking the reference decode (cxl_route) about
 * one address of its chunk, so the table answers exactly what the walk
 * would for every address: within a segment the same decoders apply, and
 * each level's choice, (HPA / granularity) mod ways, is constant over a
 * chunk and repeats with the period.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "hw/boards.h"
#include "hw/qdev-core.h"
#include "hw/cxl/cxl-device.h"
#include "hw/cxl/cxl-route-table.h"
#include "trace.h"

/* More slots than this in one segment: leave the window to the walk */
#define CXL_ROUTE_TABLE_MAX_SLOTS   (64 * 1024)
#define CXL_ROUTE_PAGE              4096

typedef struct CXLRouteBuild {
    GArray *bounds;                 /* uint64_t HPA boundaries */
    GPtrArray *selectors;           /* host bridges' and switches' components */
    GArray *targets;                /* CXLRouteTarget */
    GHashTable *target_index;       /* its key -> index + 1 */
} CXLRouteBuild;

static void cxl_route_collect_one(CXLComponentState *cs, void *opaque)
{
    CXLRouteBuild *b = opaque;
    unsigned i;

    for (i = 0; i < cs->hdm_count && cs->hdm[i].committed; i++) {
        uint64_t end = cs->hdm[i].base + cs->hdm[i].size;

        g_array_append_val(b->bounds, cs->hdm[i].base);
        g_array_append_val(b->bounds, end);
    }
    if (cs->kind != CXL_COMPONENT_ENDPOINT) {
        g_ptr_array_add(b->selectors, cs);
    }
}

static int cxl_route_cmp_u64(gconstpointer a, gconstpointer b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/*
 * A level that interleaves @ways at @gran: the chunk cannot be larger
 * than its granularity, and the period is a multiple of gran x ways
 * (ways is 2^n or 3 x 2^n, granularities are powers of two).
 */
static void cxl_route_shape_level(uint64_t gran, unsigned ways, uint64_t *chunk,
                                  uint64_t *pow2, bool *three)
{
    if (ways <= 1) {
        return;
    }
    *chunk = MIN(*chunk, gran);
    *pow2 = MAX(*pow2, gran * (ways % 3 ? ways : ways / 3));
    *three |= !(ways % 3);
}

static uint32_t cxl_route_target(CXLRouteBuild *b, const CXLRouteTarget *tg)
{
    g_autofree char *key = g_strdup_printf("%p/%" PRIx64 "/%" PRIx64 "/%" PRIx64
                                           "/%u/%p/%p", tg->dev, tg->ep_base,
                                           tg->dpa_base, tg->granularity,
                                           tg->ways, tg->level, tg->why);
    gpointer v = g_hash_table_lookup(b->target_index, key);

    if (v) {
        return GPOINTER_TO_UINT(v) - 1;
    }
    g_array_append_val(b->targets, *tg);
    g_hash_table_insert(b->target_index, g_steal_pointer(&key),
                        GUINT_TO_POINTER(b->targets->len));
    return b->targets->len - 1;
}

/* Fill segment @s over [start, end); false if it would be too large */
static bool cxl_route_build_segment(CXLFixedWindow *w, CXLRouteBuild *b,
                                    CXLRouteSegment *s)
{
    uint64_t chunk = CXL_HDM_ALIGN, pow2 = 1, period_bytes, c0;
    bool three = false, direct;
    unsigned i, k;

    cxl_route_shape_level(w->granularity, w->num_targets, &chunk, &pow2, &three);
    for (i = 0; i < b->selectors->len; i++) {
        CXLComponentState *cs = g_ptr_array_index(b->selectors, i);
        unsigned n;

        for (n = 0; n < cs->hdm_count && cs->hdm[n].committed; n++) {
            const CXLHDMDecoder *d = &cs->hdm[n];

            if (s->start >= d->base && s->start - d->base < d->size) {
                cxl_route_shape_level(d->granularity, d->ways, &chunk, &pow2,
                                      &three);
            }
        }
    }
    period_bytes = pow2 * (three ? 3 : 1);
    s->chunk_shift = ctz64(chunk);
    s->period = MAX(period_bytes / chunk, 1);
    s->period_pow2 = is_power_of_2(s->period);
    if (s->period > CXL_ROUTE_TABLE_MAX_SLOTS) {
        return false;
    }
    s->slot = g_new(uint32_t, s->period);
    direct = s->period == 1 || chunk >= CXL_ROUTE_PAGE;

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
        } else if (cxl_route(w, hpa, &r)) {
            tg.dev = r.dev;
            tg.ep_base = r.ep->base;
            tg.dpa_base = r.ep->dpa_base;
            tg.granularity = r.ep->granularity;
            tg.ways = r.ep->ways;
            tg.gran_shift = ctz64(tg.granularity);
            tg.ways_shift = is_power_of_2(tg.ways) ? ctz32(tg.ways) : -1;
            direct &= tg.ways == 1 || tg.granularity >= CXL_ROUTE_PAGE;
        } else {
            tg.level = r.level;
            tg.why = r.why;
        }
        s->slot[k] = cxl_route_target(b, &tg);
    }
    s->page_direct = direct;
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

static void cxl_route_table_free_rcu(CXLRouteTable *t)
{
    cxl_route_table_free(t);
}

/*
 * The table for @w as its decoders stand, or NULL when some segment would
 * need more slots than we keep (a guest programming absurd interleaves):
 * the window then uses the walk.
 */
CXLRouteTable *cxl_route_table_build(CXLFixedWindow *w)
{
    CXLRouteBuild b = {
        .bounds = g_array_new(false, false, sizeof(uint64_t)),
        .selectors = g_ptr_array_new(),
        .targets = g_array_new(false, false, sizeof(CXLRouteTarget)),
        .target_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    };
    CXLRouteTable *t = g_new0(CXLRouteTable, 1);
    uint64_t end = w->base + w->size, prev;
    GArray *segs = g_array_new(false, true, sizeof(CXLRouteSegment));
    unsigned i;

    cxl_route_foreach_component(w, cxl_route_collect_one, &b);
    g_array_append_val(b.bounds, w->base);
    g_array_append_val(b.bounds, end);
    g_array_sort(b.bounds, cxl_route_cmp_u64);

    prev = w->base;
    for (i = 0; i < b.bounds->len; i++) {
        uint64_t at = g_array_index(b.bounds, uint64_t, i);
        CXLRouteSegment s = { .start = prev, .end = MIN(at, end) };

        if (at <= prev || prev >= end) {
            continue;
        }
        if (!cxl_route_build_segment(w, &b, &s)) {
            g_array_append_val(segs, s);
            t->nsegs = segs->len;
            t->segs = (CXLRouteSegment *)g_array_free(segs, false);
            cxl_route_table_free(t);
            t = NULL;
            break;
        }
        g_array_append_val(segs, s);
        prev = s.end;
    }
    if (t) {
        static uint64_t generation;

        t->generation = ++generation;   /* under the big QEMU lock */
        t->nsegs = segs->len;
        t->segs = (CXLRouteSegment *)g_array_free(segs, false);
        t->ntargets = b.targets->len;
        t->targets = (CXLRouteTarget *)g_array_free(b.targets, false);
        trace_cxl_route_table_build(w->index, t->nsegs, t->ntargets);
    } else {
        g_array_free(b.targets, true);
        trace_cxl_route_table_fallback(w->index);
    }
    g_array_free(b.bounds, true);
    g_ptr_array_free(b.selectors, true);
    g_hash_table_destroy(b.target_index);
    return t;
}

/* Called with the big QEMU lock held, after any decoder changed */
void cxl_routes_changed(void)
{
    Object *machine = qdev_get_machine();
    CXLState *cxl;
    unsigned i;

    if (!machine || !object_dynamic_cast(machine, TYPE_MACHINE)) {
        return;
    }
    cxl = MACHINE(machine)->cxl_state;
    if (!cxl || !cxl->routes_ready) {
        return;
    }
    for (i = 0; i < cxl->windows->len; i++) {
        CXLFixedWindow *w = g_ptr_array_index(cxl->windows, i);
        CXLRouteTable *old = w->routes;

        qatomic_rcu_set(&w->routes, cxl_route_table_build(w));
        if (old) {
            call_rcu(old, cxl_route_table_free_rcu, rcu);
        }
        cxl_fmw_routes_changed(w);
    }
}
