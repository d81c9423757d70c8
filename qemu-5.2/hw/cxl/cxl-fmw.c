/*
 * CXL Fixed Memory Windows: the machine's `cxl` switch, the
 * -M cxl-fmw.N.* options, their checks, and where the windows go.
 *
 * CXL 2.0 9.14.1.3 describes a window to the OS (CEDT CFMWS): a host
 * physical address range, interleaved across 1 to 16 host bridges at a
 * granularity of 256 B to 16 KiB, using the same encodings as the HDM
 * decoders (CXL 2.0 8.2.5.12.7).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/option.h"
#include "qemu/log.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "hw/boards.h"
#include "hw/qdev-core.h"
#include "hw/core/cpu.h"
#include "hw/cxl/cxl-device.h"
#include "hw/cxl/cxl-route-table.h"
#include "trace.h"

/*
 * Where the fast path's trapping regions sit in the system address space:
 * above any physical address a CPU can put on the bus (52 bits), where
 * only our own IOMMU translations lead.
 */
#define CXL_FMW_TRAP_BASE       (1ULL << 52)
#define CXL_FMW_PAGE            4096

CXLState *cxl_state(MachineState *ms)
{
    if (!ms->cxl_state) {
        ms->cxl_state = g_new0(CXLState, 1);
        ms->cxl_state->windows = g_ptr_array_new();
        ms->cxl_state->fast_path = true;
        ms->cxl_state->map_pages = true;
    }
    return ms->cxl_state;
}

static CXLFixedWindow *cxl_fmw_get(CXLState *cxl, unsigned index)
{
    while (cxl->windows->len <= index) {
        CXLFixedWindow *w = g_new0(CXLFixedWindow, 1);
        w->index = cxl->windows->len;
        w->granularity = 256;
        g_ptr_array_add(cxl->windows, w);
    }
    return g_ptr_array_index(cxl->windows, index);
}

/* Windows and targets are numbered densely; this bounds typos. */
#define CXL_FMW_MAX_WINDOWS     64

/*
 * -M cxl-fmw.N.targets.M=<pxb-cxl id>, cxl-fmw.N.size=<size>,
 * cxl-fmw.N.interleave-granularity=<size>: the syntax of upstream QEMU's
 * machine option, parsed here from the flat keys QemuOpts hands over.
 */
bool cxl_fmw_set_option(MachineState *ms, const char *name, const char *value,
                        Error **errp)
{
    CXLState *cxl = cxl_state(ms);
    const char *rest;
    unsigned n, m;
    CXLFixedWindow *w;
    uint64_t v;

    if (!object_class_property_find(object_get_class(OBJECT(ms)), "cxl")) {
        error_setg(errp, "%s: the machine type '%s' has no CXL; windows need "
                   "-M q35,cxl=on or -M virt,cxl=on", name,
                   MACHINE_GET_CLASS(ms)->name);
        return false;
    }
    cxl->fmw_keys++;
    if (qemu_strtoui(name + strlen("cxl-fmw."), &rest, 10, &n) || *rest != '.' ||
        n >= CXL_FMW_MAX_WINDOWS) {
        error_setg(errp, "%s: expected cxl-fmw.N.<option> with a window index "
                   "N below %d", name, CXL_FMW_MAX_WINDOWS);
        return false;
    }
    rest++;
    w = cxl_fmw_get(cxl, n);

    if (g_str_has_prefix(rest, "targets.")) {
        const char *end;
        if (qemu_strtoui(rest + strlen("targets."), &end, 10, &m) || *end) {
            error_setg(errp, "%s: expected cxl-fmw.%u.targets.M with a target "
                       "index M", name, n);
            return false;
        }
        if (m >= CXL_WINDOW_MAX_TARGETS) {
            error_setg(errp, "%s: a window interleaves at most %d host bridges",
                       name, CXL_WINDOW_MAX_TARGETS);
            return false;
        }
        if (!*value) {
            error_setg(errp, "%s: empty host bridge id", name);
            return false;
        }
        g_free(w->target_id[m]);
        w->target_id[m] = g_strdup(value);
        w->num_targets = MAX(w->num_targets, m + 1);
    } else if (!strcmp(rest, "size")) {
        if (qemu_strtosz(value, NULL, &v) || !v) {
            error_setg(errp, "%s=%s: not a size (use e.g. 4G)", name, value);
            return false;
        }
        w->size = v;
    } else if (!strcmp(rest, "interleave-granularity")) {
        uint8_t eig;
        if (qemu_strtosz(value, NULL, &v) || !cxl_granularity_to_eig(v, &eig)) {
            error_setg(errp, "%s=%s: the interleave granularity must be a power "
                       "of two from 256 to 16k", name, value);
            return false;
        }
        w->granularity = v;
    } else {
        error_setg(errp, "%s: unknown window option '%s' (expected targets.M, "
                   "size or interleave-granularity)", name, rest);
        return false;
    }
    return true;
}

/* What the machine options hold so far of -M cxl-fmw.N.* */
typedef struct CXLFmwKeys {
    unsigned next;                  /* one past the highest window index */
    unsigned count;                 /* cxl-fmw.* keys */
} CXLFmwKeys;

static int cxl_fmw_count_keys(void *opaque, const char *name, const char *value,
                              Error **errp)
{
    CXLFmwKeys *k = opaque;
    const char *rest;
    unsigned n;

    if (g_str_has_prefix(name, "cxl-fmw.")) {
        k->count++;
        if (!qemu_strtoui(name + strlen("cxl-fmw."), &rest, 10, &n) &&
            *rest == '.') {
            k->next = MAX(k->next, n + 1);
        }
    }
    return 0;
}

/*
 * How many -M cxl-fmw.* keys -cxl-fixed-memory-window made: if the
 * machine options end up with any other, both spellings were used, and
 * the windows would merge silently.
 */
static unsigned cxl_fmw_alias_keys;

/*
 * -cxl-fixed-memory-window targets.M=<id>,size=<size>[,interleave-granularity=<g>]:
 * the older spelling of a window, turned into the -M cxl-fmw.N.* keys of
 * the next window in command-line order (one past any window given so
 * far in either spelling). Returns the machine options to add.
 */
char *cxl_fmw_alias_to_machine_opts(QemuOptsList *machine_opts, const char *arg,
                                    Error **errp)
{
    QemuOpts *opts = qemu_opts_find(machine_opts, NULL);
    g_auto(GStrv) items = g_strsplit(arg, ",", -1);
    GString *out;
    CXLFmwKeys keys = { 0 };
    unsigned next, i;

    if (opts) {
        qemu_opt_foreach(opts, cxl_fmw_count_keys, &keys, NULL);
    }
    if (keys.count != cxl_fmw_alias_keys) {
        error_setg(errp, "-cxl-fixed-memory-window %s: windows are given "
                   "with -M cxl-fmw.N.* already; use one spelling for all "
                   "windows", arg);
        return NULL;
    }
    next = keys.next;
    out = g_string_new("");
    for (i = 0; items[i]; i++) {
        const char *eq = strchr(items[i], '=');
        g_autofree char *key = eq ? g_strndup(items[i], eq - items[i]) : NULL;

        if (!key || (!g_str_has_prefix(key, "targets.") && strcmp(key, "size") &&
                     strcmp(key, "interleave-granularity"))) {
            error_setg(errp, "-cxl-fixed-memory-window %s: expected targets.N=<id>, "
                       "size=<size> or interleave-granularity=<size>, not '%s'",
                       arg, items[i]);
            g_string_free(out, true);
            return NULL;
        }
        g_string_append_printf(out, "%scxl-fmw.%u.%s", i ? "," : "", next, items[i]);
    }
    cxl_fmw_alias_keys += i;
    if (!out->len) {
        error_setg(errp, "-cxl-fixed-memory-window: no window options given");
        g_string_free(out, true);
        return NULL;
    }
    return g_string_free(out, false);
}

/* Every window complete and legal: called when the machine is set up. */
bool cxl_fmw_check(CXLState *cxl, Error **errp)
{
    unsigned i, t;

    if (cxl_fmw_alias_keys && cxl->fmw_keys != cxl_fmw_alias_keys) {
        error_setg(errp, "-cxl-fixed-memory-window and -M cxl-fmw.N.* both "
                   "give windows; use one spelling for all windows");
        return false;
    }
    if (!cxl->is_enabled) {
        if (cxl->windows->len) {
            error_setg(errp, "cxl-fmw.0: CXL fixed memory windows need the "
                       "machine option cxl=on");
            return false;
        }
        return true;
    }
    for (i = 0; i < cxl->windows->len; i++) {
        CXLFixedWindow *w = g_ptr_array_index(cxl->windows, i);
        unsigned ways = w->num_targets;

        if (!ways) {
            error_setg(errp, "cxl-fmw.%u: no targets (set cxl-fmw.%u.targets.0 "
                       "to a pxb-cxl id)", i, i);
            return false;
        }
        for (t = 0; t < ways; t++) {
            unsigned u;

            if (!w->target_id[t]) {
                error_setg(errp, "cxl-fmw.%u.targets.%u is missing: targets "
                           "are numbered from 0 without gaps", i, t);
                return false;
            }
            for (u = 0; u < t; u++) {
                if (!strcmp(w->target_id[u], w->target_id[t])) {
                    error_setg(errp, "cxl-fmw.%u.targets.%u=%s: that host "
                               "bridge is already target %u of the window; a "
                               "window interleaves distinct host bridges",
                               i, t, w->target_id[t], u);
                    return false;
                }
            }
        }
        if (!cxl_ways_to_eiw(ways, &w->eniw)) {
            error_setg(errp, "cxl-fmw.%u: %u targets; a window interleaves "
                       "1, 2, 3, 4, 6, 8, 12 or 16 host bridges", i, ways);
            return false;
        }
        cxl_granularity_to_eig(w->granularity, &w->eig);
        if (!w->size) {
            error_setg(errp, "cxl-fmw.%u.size is missing", i);
            return false;
        }
        /* CXL 2.0 9.14.1.3: the window size is a multiple of NIW * 256 MiB */
        if (w->size % (CXL_HDM_ALIGN * ways)) {
            error_setg(errp, "cxl-fmw.%u.size=0x%" PRIx64 ": the size of a "
                       "window must be a multiple of 256 MiB times its %u "
                       "target(s)", i, w->size, ways);
            return false;
        }
    }
    return true;
}

/*
 * Place the host bridge register blocks and then the windows from @base
 * upwards; returns the first address after them. Each window starts on a
 * multiple of 256 MiB times its ways, so that every region Linux carves
 * from it can be aligned as the HDM decoders require.
 */
hwaddr cxl_fmw_layout(CXLState *cxl, hwaddr base, Error **errp)
{
    hwaddr addr;
    unsigned i;

    if (!cxl->is_enabled) {
        return base;
    }
    cxl->host_reg_base = ROUND_UP(base, CXL_COMPONENT_REG_SIZE);
    addr = cxl->host_reg_base + CXL_HOST_REG_REGION_SIZE;
    for (i = 0; i < cxl->windows->len; i++) {
        CXLFixedWindow *w = g_ptr_array_index(cxl->windows, i);
        uint64_t align = CXL_HDM_ALIGN * w->num_targets;

        /*
         * Sizes are the user's 64-bit numbers: compare, never add past
         * the end. Everything from CXL_FMW_TRAP_BASE up is the fast
         * path's own (the trapping regions sit there).
         */
        if (addr > CXL_FMW_TRAP_BASE - align ||
            w->size > CXL_FMW_TRAP_BASE - QEMU_ALIGN_UP(addr, align)) {
            error_setg(errp, "cxl-fmw.%u.size=0x%" PRIx64 ": the window would "
                       "reach beyond 0x%llx (52 bits), where the CXL fast "
                       "path keeps its own regions: make the windows smaller",
                       i, w->size, CXL_FMW_TRAP_BASE);
            return base;
        }
        w->base = QEMU_ALIGN_UP(addr, align);
        addr = w->base + w->size;
    }
    cxl->end = addr;
    return addr;
}

/*
 * Where @hpa goes, as an access decodes it: the flat routing table on the
 * fast path, else the walk of the decoders, under the big QEMU lock. For
 * cxl-translate and for the reference path's accesses; r->dev stays
 * valid while the big QEMU lock is held (routes change only under it).
 */
bool cxl_window_route(CXLFixedWindow *w, hwaddr hpa, CXLRoute *r)
{
    const CXLRouteTable *t;
    const CXLRouteTarget *tg;
    bool ok, locked = false;

    if (w->fast) {
        RCU_READ_LOCK_GUARD();
        t = qatomic_rcu_read(&w->routes);
        if (t) {
            tg = cxl_route_table_lookup(t, hpa);
            r->dev = tg->dev;
            r->level = tg->level;
            r->why = tg->why;
            if (!tg->dev) {
                trace_cxl_route_table_fail(w->index, hpa, tg->level, tg->why);
                return false;
            }
            r->dpa = cxl_route_target_dpa(tg, hpa);
            trace_cxl_route_table(w->index, hpa, tg->dev->cstate.name, r->dpa);
            return true;
        }
    }
    if (!qemu_mutex_iothread_locked()) {
        qemu_mutex_lock_iothread();
        locked = true;
    }
    ok = cxl_route(w, hpa, r);
    if (locked) {
        qemu_mutex_unlock_iothread();
    }
    return ok;
}

/* A failed decode: all ones for a read, a dropped write, and why */
static void cxl_fmw_access_failed(CXLFixedWindow *w, hwaddr hpa, uint64_t *data,
                                  unsigned size, bool is_write,
                                  const char *level, const char *why)
{
    qemu_log_mask(LOG_GUEST_ERROR, "cxl-fmw.%u: %s of %u bytes at HPA "
                  "0x%" HWADDR_PRIx " failed at the %s: %s; %s\n",
                  w->index, is_write ? "write" : "read", size, hpa,
                  level ? level : "endpoint",
                  why ? why : "DPA outside the device's memory",
                  is_write ? "dropped" : "returning all ones");
    if (!is_write) {
        *data = MAKE_64BIT_MASK(0, size * 8);
    }
}

/*
 * The stretch of a window that this thread's last fast-path access fell
 * in: an HPA range that one route table sends to one device's contiguous
 * host bytes. It is good while the window still publishes that table
 * (each table has its own generation, so a new table at a recycled
 * address does not match). A vCPU streaming at 256 B interleave hits the
 * same stretch 32 times in a row and skips the table lookup.
 */
typedef struct CXLFmwStretch {
    uint64_t generation;            /* of the table; 0: none */
    hwaddr start, end;              /* HPA [start, end) */
    CXLType3Dev *dev;
    uint64_t dpa;                   /* at start */
    MemoryRegion *mr;               /* the capacity's region, */
    uint64_t mr_offset;             /* the offset in it at start */
    uint8_t *host;                  /* and its bytes at start */
} CXLFmwStretch;

static __thread CXLFmwStretch cxl_fmw_stretch;

/*
 * Remember the stretch around @hpa, which table @t, in segment @s, sends
 * to @tg (a device): the aligned block of the segment's smallest
 * interleave granularity and of the endpoint's, within the segment; over
 * it the device and the DPA advance with the HPA. False, and nothing
 * remembered, when that block is not all in one capacity of the device.
 */
static bool cxl_fmw_stretch_fill(const CXLRouteTable *t,
                                 const CXLRouteSegment *s, hwaddr hpa,
                                 const CXLRouteTarget *tg)
{
    CXLFmwStretch *c = &cxl_fmw_stretch;
    uint64_t block = MIN(1ULL << s->chunk_shift, tg->granularity);
    hwaddr start = MAX(QEMU_ALIGN_DOWN(hpa, block), s->start);
    hwaddr end = MIN(QEMU_ALIGN_DOWN(hpa, block) + block, s->end);
    uint64_t dpa = cxl_route_target_dpa(tg, start);

    c->generation = 0;
    if (cxl_route_target_dpa(tg, end - 1) != dpa + (end - 1 - start) ||
        !cxl_type3_direct_range(tg->dev, dpa, end - start, &c->mr,
                                &c->mr_offset, &c->host)) {
        return false;
    }
    c->start = start;
    c->end = end;
    c->dev = tg->dev;
    c->dpa = dpa;
    c->generation = t->generation;
    return true;
}

static inline bool cxl_fmw_stretch_holds(const CXLRouteTable *t, hwaddr hpa,
                                         unsigned size)
{
    const CXLFmwStretch *c = &cxl_fmw_stretch;

    return c->generation == t->generation && hpa >= c->start &&
           hpa + size <= c->end;
}

/*
 * One access that stays within a 256-byte stripe (the smallest
 * granularity at any level), so it reaches a single device. The fast
 * path finds the route (this thread's last stretch, else the table, which
 * gives the next stretch) and reaches the device within one RCU read
 * section, so that neither the table nor the device it names can go away
 * in between.
 */
static void cxl_fmw_access_one(CXLFixedWindow *w, hwaddr hpa, uint64_t *data,
                               unsigned size, bool is_write)
{
    CXLRoute r = { 0 };

    trace_cxl_fmw_access(w->index, hpa, size, is_write);
    if (w->fast) {
        RCU_READ_LOCK_GUARD();
        const CXLRouteTable *t = qatomic_rcu_read(&w->routes);
        const CXLFmwStretch *c = &cxl_fmw_stretch;

        if (t && !cxl_fmw_stretch_holds(t, hpa, size)) {
            const CXLRouteSegment *s = cxl_route_table_segment(t, hpa);
            const CXLRouteTarget *tg = cxl_route_segment_lookup(t, s, hpa);

            if (!tg->dev) {
                trace_cxl_route_table_fail(w->index, hpa, tg->level, tg->why);
                cxl_fmw_access_failed(w, hpa, data, size, is_write, tg->level,
                                      tg->why);
                return;
            }
            if (!cxl_fmw_stretch_fill(t, s, hpa, tg) ||
                !cxl_fmw_stretch_holds(t, hpa, size)) {
                /* No stretch to keep: this access alone */
                r.dpa = cxl_route_target_dpa(tg, hpa);
                trace_cxl_route_table(w->index, hpa, tg->dev->cstate.name,
                                      r.dpa);
                if (cxl_type3_access_direct(tg->dev, r.dpa, data, size,
                                            is_write) != MEMTX_OK) {
                    cxl_fmw_access_failed(w, hpa, data, size, is_write, NULL,
                                          NULL);
                }
                return;
            }
        }
        if (t) {
            uint64_t off = hpa - c->start;

            trace_cxl_route_table(w->index, hpa, c->dev->cstate.name,
                                  c->dpa + off);
            cxl_type3_host_access(c->mr, c->mr_offset + off, c->host + off,
                                  data, size, is_write);
            return;
        }
    }
    /* The reference path, or a window whose table could not be built */
    if (!cxl_window_route(w, hpa, &r) ||
        cxl_type3_access(r.dev, r.dpa, data, size, is_write) != MEMTX_OK) {
        cxl_fmw_access_failed(w, hpa, data, size, is_write, r.level, r.why);
    }
}

static void cxl_fmw_access(CXLFixedWindow *w, hwaddr addr, uint64_t *data,
                           unsigned size, bool is_write)
{
    hwaddr hpa = w->base + addr;
    unsigned i;

    if ((hpa & (CXL_FMW_MIN_GRANULARITY - 1)) + size <= CXL_FMW_MIN_GRANULARITY) {
        cxl_fmw_access_one(w, hpa, data, size, is_write);
        return;
    }
    for (i = 0; i < size; i++) {
        uint64_t byte = extract64(*data, 8 * i, 8);

        cxl_fmw_access_one(w, hpa + i, &byte, 1, is_write);
        if (!is_write) {
            *data = deposit64(*data, 8 * i, 8, byte);
        }
    }
}

static uint64_t cxl_fmw_read(void *opaque, hwaddr addr, unsigned size)
{
    uint64_t data = 0;

    cxl_fmw_access(opaque, addr, &data, size, false);
    return data;
}

static void cxl_fmw_write(void *opaque, hwaddr addr, uint64_t data,
                          unsigned size)
{
    cxl_fmw_access(opaque, addr, &data, size, true);
}

/*
 * The window traps every access (CXL 2.0 9.14.1.3): 1, 2, 4 and 8 bytes
 * at any alignment.
 */
static const MemoryRegionOps cxl_fmw_ops = {
    .read = cxl_fmw_read,
    .write = cxl_fmw_write,
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

/*
 * The fast path's IOMMU region: a page whose route reaches one device
 * contiguously (every interleaving level at 4 KiB or more, or none) is
 * translated straight into that device's DPA space, so TCG maps it into
 * its TLB as RAM and code runs from it; any other page is translated to
 * the window's trapping region, in the address space of the CPU asking
 * (TCG looks MMIO sections up in the CPU's own address space).
 */
static IOMMUTLBEntry cxl_fmw_translate(IOMMUMemoryRegion *iommu, hwaddr addr,
                                       IOMMUAccessFlags flag, int iommu_idx)
{
    CXLFixedWindow *w = container_of(iommu, CXLFixedWindow, iommu);
    hwaddr page = addr & ~(hwaddr)(CXL_FMW_PAGE - 1);
    IOMMUTLBEntry e = {
        .target_as = &address_space_memory,
        .iova = page,
        .translated_addr = w->trap_base + page,
        .addr_mask = CXL_FMW_PAGE - 1,
        .perm = IOMMU_RW,
    };
    const CXLRouteTable *t;

    if (current_cpu && iommu_idx < current_cpu->num_ases) {
        e.target_as = cpu_get_address_space(current_cpu, iommu_idx);
    }
    RCU_READ_LOCK_GUARD();
    t = qatomic_rcu_read(&w->routes);
    if (t) {
        uint64_t hpa = w->base + page;
        const CXLRouteSegment *s = cxl_route_table_segment(t, hpa);
        const CXLRouteTarget *tg = cxl_route_segment_lookup(t, s, hpa);

        if (w->map_pages && s->page_direct && tg->dev) {
            uint64_t dpa = cxl_route_target_dpa(tg, hpa);

            if (dpa + CXL_FMW_PAGE <= tg->dev->cstate.dpa_capacity) {
                e.target_as = &tg->dev->dpa_as;
                e.translated_addr = dpa;
                trace_cxl_fmw_map_page(w->index, hpa, tg->dev->cstate.name, dpa);
            }
        }
    }
    return e;
}

/* One IOMMU index per CPU address space (x86: normal and SMM) */
static int cxl_fmw_attrs_to_index(IOMMUMemoryRegion *iommu, MemTxAttrs attrs)
{
    return attrs.secure;
}

static int cxl_fmw_num_indexes(IOMMUMemoryRegion *iommu)
{
    return 2;
}

/*
 * A segment routed wholly to one device that does not interleave is one
 * contiguous range of that device's memory: map it as a RAM alias over
 * the IOMMU region, so that KVM can map it into the guest (it cannot use
 * IOMMU regions) and TCG reaches it without translating. One alias per
 * such segment, however large; interleaved segments stay with the IOMMU
 * region and the trap.
 */
typedef struct CXLRamAlias {
    CXLType3Dev *dev;
    uint64_t start, len, dpa;       /* HPA [start, start + len) -> dpa */
} CXLRamAlias;

/* The RAM aliases the routes call for, in HPA order */
static GArray *cxl_fmw_wanted_ram_aliases(CXLFixedWindow *w)
{
    const CXLRouteTable *t = w->routes;     /* the writer, under the BQL */
    GArray *want = g_array_new(false, false, sizeof(CXLRamAlias));
    unsigned i;

    for (i = 0; t && w->map_pages && i < t->nsegs; i++) {
        const CXLRouteSegment *s = &t->segs[i];
        const CXLRouteTarget *tg = &t->targets[s->slot[0]];
        CXLRamAlias r = { tg->dev, s->start, s->end - s->start, 0 };

        if (s->period != 1 || !tg->dev || tg->ways != 1) {
            continue;
        }
        r.dpa = cxl_route_target_dpa(tg, s->start);
        if ((r.start | r.dpa | r.len) & (CXL_FMW_PAGE - 1) ||
            r.dpa + r.len > memory_region_size(&tg->dev->dpa_mr)) {
            continue;
        }
        g_array_append_val(want, r);
    }
    return want;
}

/*
 * Map the aliases the routes call for. Any decoder commit rebuilds every
 * window's routes, so most calls find the aliases as they were: leave the
 * memory map alone then, rather than rebuild it for nothing.
 */
static void cxl_fmw_update_ram_aliases(CXLFixedWindow *w)
{
    g_autoptr(GArray) want = cxl_fmw_wanted_ram_aliases(w);
    unsigned i;

    for (i = 0; i < want->len && want->len == w->ram_aliases->len; i++) {
        const CXLRamAlias *r = &g_array_index(want, CXLRamAlias, i);
        MemoryRegion *a = g_ptr_array_index(w->ram_aliases, i);

        if (a->alias != &r->dev->dpa_mr || a->alias_offset != r->dpa ||
            a->addr != r->start || memory_region_size(a) != r->len) {
            break;
        }
    }
    if (i == want->len && want->len == w->ram_aliases->len) {
        return;
    }

    memory_region_transaction_begin();
    for (i = 0; i < w->ram_aliases->len; i++) {
        MemoryRegion *a = g_ptr_array_index(w->ram_aliases, i);

        memory_region_del_subregion(w->container, a);
        object_unparent(OBJECT(a));
        g_free(a);
    }
    g_ptr_array_set_size(w->ram_aliases, 0);
    for (i = 0; i < want->len; i++) {
        const CXLRamAlias *r = &g_array_index(want, CXLRamAlias, i);
        g_autofree char *name = g_strdup_printf(
            "cxl-fixed-memory-window-%u-ram-%u", w->index, i);
        MemoryRegion *a = g_new0(MemoryRegion, 1);

        memory_region_init_alias(a, qdev_get_machine(), name,
                                 &r->dev->dpa_mr, r->dpa, r->len);
        memory_region_add_subregion_overlap(w->container, r->start, a, 1);
        g_ptr_array_add(w->ram_aliases, a);
        trace_cxl_fmw_map_range(w->index, r->start, r->len,
                                r->dev->cstate.name, r->dpa);
    }
    memory_region_transaction_commit();
}

/* The routes changed: whatever the vCPUs mapped from the old ones goes */
void cxl_fmw_routes_changed(CXLFixedWindow *w)
{
    IOMMUTLBEntry e = {
        .target_as = &address_space_memory,
        .iova = 0,
        .translated_addr = 0,
        .addr_mask = w->size - 1,
        .perm = IOMMU_NONE,
    };
    int idx;

    if (!w->fast) {
        return;
    }
    for (idx = 0; idx < cxl_fmw_num_indexes(&w->iommu); idx++) {
        memory_region_notify_iommu(&w->iommu, idx, e);
    }
    cxl_fmw_update_ram_aliases(w);
}

static void cxl_fmw_iommu_class_init(ObjectClass *klass, void *data)
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(klass);

    imrc->translate = cxl_fmw_translate;
    imrc->attrs_to_index = cxl_fmw_attrs_to_index;
    imrc->num_indexes = cxl_fmw_num_indexes;
}

static const TypeInfo cxl_fmw_iommu_info = {
    .name = TYPE_CXL_FMW_IOMMU_MEMORY_REGION,
    .parent = TYPE_IOMMU_MEMORY_REGION,
    .class_init = cxl_fmw_iommu_class_init,
};

static void cxl_fmw_register_types(void)
{
    type_register_static(&cxl_fmw_iommu_info);
}

type_init(cxl_fmw_register_types)

static void cxl_map_host_bridge(CXLHostBridge *hb, void *opaque)
{
    CXLState *cxl = opaque;

    memory_region_add_subregion(&cxl->host_reg_mr,
                                cxl_host_bridge_chbcr(hb) - cxl->host_reg_base,
                                cxl_host_bridge_registers(hb));
}

/*
 * After -device: resolve each window's targets to pxb-cxl host bridges and
 * map the host bridge registers and the windows into system memory.
 */
void cxl_machine_done(MachineState *ms, MemoryRegion *system_memory,
                      Error **errp)
{
    CXLState *cxl = cxl_state(ms);
    hwaddr trap_base = CXL_FMW_TRAP_BASE;
    unsigned i, t;

    if (!cxl->is_enabled) {
        return;
    }
    memory_region_init(&cxl->host_reg_mr, OBJECT(ms), "cxl-host-registers",
                       CXL_HOST_REG_REGION_SIZE);
    memory_region_add_subregion(system_memory, cxl->host_reg_base,
                                &cxl->host_reg_mr);
    cxl_host_bridge_foreach(cxl_map_host_bridge, cxl);
    for (i = 0; i < cxl->windows->len; i++) {
        CXLFixedWindow *w = g_ptr_array_index(cxl->windows, i);
        g_autofree char *name = g_strdup_printf("cxl-fixed-memory-window-%u", i);

        for (t = 0; t < w->num_targets; t++) {
            w->target[t] = cxl_host_bridge_find(w->target_id[t]);
            if (!w->target[t]) {
                error_setg(errp, "cxl-fmw.%u.targets.%u=%s: no pxb-cxl host "
                           "bridge with that id", i, t, w->target_id[t]);
                return;
            }
        }
        memory_region_init_io(&w->mr, OBJECT(ms), &cxl_fmw_ops, w, name,
                              w->size);
        w->fast = cxl->fast_path;
        w->map_pages = cxl->map_pages;
        if (!w->fast) {
            memory_region_add_subregion(system_memory, w->base, &w->mr);
            continue;
        }
        /* Fast path: the IOMMU region in front, the trapping region hidden */
        w->container = system_memory;
        w->ram_aliases = g_ptr_array_new();
        memory_region_set_lockless_io(&w->mr);
        w->trap_base = trap_base;
        memory_region_add_subregion(system_memory, w->trap_base, &w->mr);
        trap_base += QEMU_ALIGN_UP(w->size, CXL_HDM_ALIGN);
        memory_region_init_iommu(&w->iommu, sizeof(w->iommu),
                                 TYPE_CXL_FMW_IOMMU_MEMORY_REGION, OBJECT(ms),
                                 name, w->size);
        memory_region_add_subregion(system_memory, w->base,
                                    MEMORY_REGION(&w->iommu));
    }
    cxl->routes_ready = true;
    cxl_routes_changed();
}

/*
 * The machine's CXL options shape what is built at start-up; set later
 * (qom-set on /machine) they would change nothing, so they refuse.
 */
static bool cxl_machine_option_frozen(Error **errp)
{
    if (qdev_hotplug) {
        error_setg(errp, "the machine's CXL options can only be set on the "
                   "command line");
        return true;
    }
    return false;
}

static bool cxl_machine_get_enabled(Object *obj, Error **errp)
{
    return cxl_state(MACHINE(obj))->is_enabled;
}

static void cxl_machine_set_enabled(Object *obj, bool value, Error **errp)
{
    if (cxl_machine_option_frozen(errp)) {
        return;
    }
    cxl_state(MACHINE(obj))->is_enabled = value;
}

static bool cxl_machine_get_fast_path(Object *obj, Error **errp)
{
    return cxl_state(MACHINE(obj))->fast_path;
}

static void cxl_machine_set_fast_path(Object *obj, bool value, Error **errp)
{
    if (cxl_machine_option_frozen(errp)) {
        return;
    }
    cxl_state(MACHINE(obj))->fast_path = value;
}

static bool cxl_machine_get_map_pages(Object *obj, Error **errp)
{
    return cxl_state(MACHINE(obj))->map_pages;
}

static void cxl_machine_set_map_pages(Object *obj, bool value, Error **errp)
{
    if (cxl_machine_option_frozen(errp)) {
        return;
    }
    cxl_state(MACHINE(obj))->map_pages = value;
}

void cxl_machine_class_add_props(ObjectClass *oc)
{
    object_class_property_add_bool(oc, "cxl", cxl_machine_get_enabled,
                                   cxl_machine_set_enabled);
    object_class_property_set_description(oc, "cxl",
        "Enable CXL 2.0 host bridges, devices and fixed memory windows "
        "(cxl-fmw.N.targets.M, cxl-fmw.N.size, cxl-fmw.N.interleave-granularity)");
    object_class_property_add_bool(oc, "cxl-fast-path", cxl_machine_get_fast_path,
                                   cxl_machine_set_fast_path);
    object_class_property_set_description(oc, "cxl-fast-path",
        "Route CXL window accesses through a flat table, without the big lock, "
        "and map pages that reach one device straight into the guest (default "
        "on); off traps every access and walks the HDM decoders (the reference)");
    object_class_property_add_bool(oc, "x-cxl-map-pages", cxl_machine_get_map_pages,
                                   cxl_machine_set_map_pages);
    object_class_property_set_description(oc, "x-cxl-map-pages",
        "With cxl-fast-path=on, map pages that reach one device straight into "
        "the guest (default on); off sends every access through the flat table, "
        "for measuring and tracing it");
}
