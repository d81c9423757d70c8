/*
 * Benchmark of the CXL fast path's routing arithmetic, without QEMU: the
 * flat table lookup and DPA computation (include/hw/cxl/cxl-route-table.h)
 * for the table a window gets with one device, and the one it gets with a
 * 16-way region over 32 devices behind two levels of switches (2 host
 * bridges x switch of 2 x switch of 4, 256 B), against the same
 * arithmetic done level by level as the walk does it. Prints ns per
 * access; asserts nothing about time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/units.h"
#include "hw/cxl/cxl-route-table.h"

#define WINDOW      (0x140000000ull)
#define REGION      (16 * 256 * MiB)
#define ACCESSES    (16 * 1024 * 1024)

typedef struct Level {
    uint64_t gran;
    unsigned ways;
} Level;

/* The table cxl_route_table_build() makes for one segment of @levels */
static CXLRouteTable *make_table(const Level *levels, unsigned n, unsigned ways,
                                 uint64_t gran)
{
    CXLRouteTable *t = g_new0(CXLRouteTable, 1);
    CXLRouteSegment *s = g_new0(CXLRouteSegment, 1);
    uint64_t period = 1, chunk = 256 * MiB;
    unsigned k, l;

    for (l = 0; l < n; l++) {
        if (levels[l].ways > 1) {
            chunk = MIN(chunk, levels[l].gran);
            period = MAX(period, levels[l].gran * levels[l].ways);
        }
    }
    s->start = WINDOW;
    s->end = WINDOW + REGION;
    s->chunk_shift = ctz64(chunk);
    s->period = MAX(period / chunk, 1);
    s->period_pow2 = is_power_of_2(s->period);
    s->slot = g_new(uint32_t, s->period);
    t->targets = g_new0(CXLRouteTarget, ways);
    for (k = 0; k < ways; k++) {
        t->targets[k].ep_base = WINDOW;
        t->targets[k].dpa_base = 0;
        t->targets[k].granularity = gran;
        t->targets[k].ways = ways;
        t->targets[k].gran_shift = ctz64(gran);
        t->targets[k].ways_shift = is_power_of_2(ways) ? ctz32(ways) : -1;
    }
    for (k = 0; k < s->period; k++) {
        uint64_t hpa = WINDOW + ((uint64_t)k << s->chunk_shift);
        unsigned dev = 0;

        for (l = 0; l < n; l++) {
            dev = dev * levels[l].ways + cxl_interleave_position(hpa, levels[l].gran,
                                                                 levels[l].ways);
        }
        s->slot[k] = dev;
    }
    t->nsegs = 1;
    t->ntargets = ways;
    t->segs = s;
    return t;
}

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static double bench_table(const CXLRouteTable *t, uint64_t *sum)
{
    uint64_t x = 88172645463325252ull;
    gint64 t0 = g_get_monotonic_time();
    unsigned i;

    for (i = 0; i < ACCESSES; i++) {
        uint64_t hpa = WINDOW + (next(&x) % REGION & ~7ull);
        const CXLRouteTarget *tg = cxl_route_table_lookup(t, hpa);

        *sum += (uintptr_t)(tg - t->targets) + cxl_route_target_dpa(tg, hpa);
    }
    return (g_get_monotonic_time() - t0) * 1000.0 / ACCESSES;
}

/* The walk's arithmetic: every level in turn, then the endpoint */
static double bench_levels(const Level *levels, unsigned n, unsigned ways,
                           uint64_t gran, uint64_t *sum)
{
    uint64_t x = 88172645463325252ull;
    gint64 t0 = g_get_monotonic_time();
    unsigned i, l;

    for (i = 0; i < ACCESSES; i++) {
        uint64_t hpa = WINDOW + (next(&x) % REGION & ~7ull);
        unsigned dev = 0;

        for (l = 0; l < n; l++) {
            dev = dev * levels[l].ways + cxl_interleave_position(hpa, levels[l].gran,
                                                                 levels[l].ways);
        }
        *sum += dev + cxl_interleave_dpa_offset(hpa - WINDOW, gran, ways);
    }
    return (g_get_monotonic_time() - t0) * 1000.0 / ACCESSES;
}

int main(int argc, char **argv)
{
    static const Level one[] = { { 256, 1 } };
    /* window 2 at 256, host bridge 1, switch 2 at 512, switch 4 at 1 KiB */
    static const Level many[] = { { 256, 2 }, { 256, 1 }, { 512, 2 }, { 1024, 4 } };
    CXLRouteTable *t1 = make_table(one, 1, 1, 256);
    CXLRouteTable *t32 = make_table(many, 4, 16, 256);
    uint64_t sum = 0;
    double a, b, c, d;

    a = bench_table(t1, &sum);
    b = bench_table(t32, &sum);
    c = bench_levels(one, 1, 1, 256, &sum);
    d = bench_levels(many, 4, 16, 256, &sum);
    printf("# routing arithmetic, ns per access (%d random 8-byte accesses)\n",
           ACCESSES);
    printf("# %-28s %10s %26s %7s\n", "", "1 device", "32 devices, 2 switch levels",
           "ratio");
    printf("# %-28s %10.2f %26.2f %7.2f\n", "flat table (fast path)", a, b, b / a);
    printf("# %-28s %10.2f %26.2f %7.2f\n", "level by level (walk's math)", c, d, d / c);
    printf("# (checksum %" PRIx64 ")\n", sum);
    return 0;
}
