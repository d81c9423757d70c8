/*
 * CXL fixed memory windows mapped straight into the guest where they can
 * be: every segment of a window's route table (hw/cxl/cxl-route.h)
 * that reaches one device without interleave, at any level, becomes an
 * alias of that device's RAM, laid over the window's trapping region. The
 * guest then reaches that CXL memory as it reaches RAM: TCG through its
 * TLB, code executed from it, KVM through a memory slot. Everything else
 * (interleaved segments, dynamic capacity, decodes that fail) still traps
 * to the window's accessors (hw/cxl/cxl-host.c).
 *
 * An alias shows what the route table says for every byte of its segment:
 * one device, the DPA = DPA base + (HPA - HPA base) of its endpoint
 * decoder (Interleave Ways 1, CXL r3.1 8.2.4.20.7), and static capacity
 * of one backend with the media enabled (cxl_type3_dpa_ram()). When
 * anything that changes a route may have changed (a decoder committed or
 * uncommitted, a reset, a component going away, sanitize disabling or
 * enabling the media, cxl-fast-path switched), the aliases go at once,
 * before the guest's next access, and come back from a bottom half, after
 * whatever caused the change (device removal among them) has finished.
 *
 * Below the aliases, an IOMMU region covers the whole window and maps
 * page by page: a page whose route reaches one device contiguously (the
 * segment's routing constant over the page, and the endpoint interleaving
 * at 4 KiB or more, or not at all) is translated into that device's RAM,
 * so that TCG maps it into its TLB as RAM and code runs from it; any other
 * page is translated to the window's trapping region, which sits above
 * every physical address a CPU can put on the bus, in the address space of
 * the CPU asking (TCG finds I/O sections in the CPU's own address space).
 * When the routes change, the IOMMU region tells its listeners that the
 * whole window is unmapped, and TCG flushes what it mapped from it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/core/cpu.h"
#include "hw/cxl/cxl_host.h"
#include "hw/cxl/cxl.h"
#include "cxl-route.h"
#include "qapi/qapi-types-cxl.h"
#include "trace.h"

#define TYPE_CXL_WINDOW_IOMMU   "cxl-window-iommu"

/*
 * The trapping regions sit at their window's base plus this: above any
 * physical address a CPU can put on the bus (52 bits), where only the
 * windows' IOMMU translations lead.
 */
#define CXL_WINDOW_TRAP_BASE    (1ULL << 52)
#define CXL_WINDOW_PAGE         4096

typedef struct CXLWindowAlias {
    struct rcu_head rcu;
    MemoryRegion mr;
} CXLWindowAlias;

static CXLState *cxl_window_map_state;
static QEMUBH *cxl_window_map_bh;
static Notifier cxl_window_map_notifier;

/*
 * A flat view may still name an alias until an RCU grace period after it
 * left its window: it is freed only then.
 */
static void cxl_window_alias_free(CXLWindowAlias *a)
{
    object_unref(OBJECT(&a->mr));
    g_free(a);
}

static void cxl_window_unmap(CXLFixedWindow *fw)
{
    unsigned i;

    if (!fw->ram_aliases || !fw->ram_aliases->len) {
        return;
    }
    memory_region_transaction_begin();
    for (i = 0; i < fw->ram_aliases->len; i++) {
        CXLWindowAlias *a = g_ptr_array_index(fw->ram_aliases, i);

        memory_region_del_subregion(&fw->container, &a->mr);
        object_ref(OBJECT(&a->mr));
        object_unparent(OBJECT(&a->mr));
        call_rcu(a, cxl_window_alias_free, rcu);
    }
    memory_region_transaction_commit();
    trace_cxl_window_unmap(fw->base, fw->ram_aliases->len);
    g_ptr_array_set_size(fw->ram_aliases, 0);
}

static void cxl_window_map(CXLFixedWindow *fw)
{
    const CXLRouteTable *t;
    unsigned i;

    if (!memory_region_is_mapped(&fw->container)) {
        return;                 /* the machine is not built yet */
    }
    t = cxl_window_routes(fw);
    if (!t) {
        return;                 /* cxl-fast-path=off: every access traps */
    }
    if (!fw->ram_aliases) {
        fw->ram_aliases = g_ptr_array_new();
    }
    memory_region_transaction_begin();
    for (i = 0; i < t->nsegs; i++) {
        const CXLRouteSegment *s = &t->segs[i];
        const CXLRouteTarget *tg = &t->targets[s->slot[0]];
        uint64_t size = s->end - s->start, offset;
        CXLWindowAlias *a;
        MemoryRegion *ram;

        if (s->period != 1 || !tg->dev || tg->ep.ways != 1 ||
            s->start < tg->ep.hpa_base) {
            continue;
        }
        ram = cxl_type3_dpa_ram(tg->dev,
                                tg->ep.dpa_base + (s->start - tg->ep.hpa_base),
                                size, &offset);
        if (!ram) {
            continue;
        }
        a = g_new0(CXLWindowAlias, 1);
        memory_region_init_alias(&a->mr, OBJECT(qdev_get_machine()),
                                 "cxl-window-ram", ram, offset, size);
        memory_region_add_subregion_overlap(&fw->container,
                                            s->start - fw->base, &a->mr, 1);
        g_ptr_array_add(fw->ram_aliases, a);
        trace_cxl_window_map(s->start, size, offset);
    }
    memory_region_transaction_commit();
}

/* What anybody translated through @fw's IOMMU region no longer holds */
static void cxl_window_unmap_pages(CXLFixedWindow *fw)
{
    IOMMUTLBEvent ev = {
        .type = IOMMU_NOTIFIER_UNMAP,
        .entry = {
            .target_as = &address_space_memory,
            .iova = 0,
            .translated_addr = 0,
            .addr_mask = pow2ceil(fw->size) - 1,
            .perm = IOMMU_NONE,
        },
    };
    int idx;

    if (!memory_region_is_mapped(&fw->container)) {
        return;
    }
    for (idx = 0; idx < memory_region_iommu_num_indexes(&fw->iommu); idx++) {
        memory_region_notify_iommu(&fw->iommu, idx, ev);
    }
}

static void cxl_window_map_all(void *opaque)
{
    GList *it;

    for (it = cxl_window_map_state->fixed_windows; it; it = it->next) {
        CXLFixedWindow *fw = it->data;

        cxl_window_unmap(fw);
        cxl_window_map(fw);
        /* pages that trapped while the table was stale may map now */
        cxl_window_unmap_pages(fw);
    }
}

static void cxl_window_map_changed(Notifier *n, void *data)
{
    GList *it;

    for (it = cxl_window_map_state->fixed_windows; it; it = it->next) {
        cxl_window_unmap(it->data);
        cxl_window_unmap_pages(it->data);
    }
    if (!cxl_window_map_bh) {
        cxl_window_map_bh = qemu_bh_new(cxl_window_map_all, NULL);
    }
    qemu_bh_schedule(cxl_window_map_bh);
}

void cxl_window_map_init(CXLState *state)
{
    cxl_window_map_state = state;
    if (!cxl_window_map_notifier.notify) {
        cxl_window_map_notifier.notify = cxl_window_map_changed;
        cxl_component_add_decoder_notifier(&cxl_window_map_notifier);
    }
}

/*
 * Where @hpa, the start of a page in @t's window, reaches device RAM for
 * the whole page: that RAM's address space, with the page's offset in it
 */
static AddressSpace *cxl_window_page_ram(const CXLRouteTable *t, hwaddr hpa,
                                         uint64_t *offset)
{
    const CXLRouteSegment *s = cxl_route_table_segment(t, hpa);
    const CXLRouteTarget *tg;

    if (s->chunk_shift < ctz64(CXL_WINDOW_PAGE) ||
        hpa + CXL_WINDOW_PAGE > s->end) {
        return NULL;            /* interleaved below a page */
    }
    tg = cxl_route_segment_target(t, s, hpa);
    if (!tg->dev || (tg->ep.ways > 1 && tg->ep.granularity < CXL_WINDOW_PAGE)) {
        return NULL;
    }
    return cxl_type3_dpa_ram_as(tg->dev, cxl_route_target_dpa(tg, hpa),
                                CXL_WINDOW_PAGE, offset);
}

int cxl_window_access(CXLFixedWindow *fw, hwaddr hpa)
{
    hwaddr page = hpa & ~(hwaddr)(CXL_WINDOW_PAGE - 1);
    const CXLRouteTable *t;
    uint64_t offset;
    unsigned i;

    for (i = 0; fw->ram_aliases && i < fw->ram_aliases->len; i++) {
        CXLWindowAlias *a = g_ptr_array_index(fw->ram_aliases, i);

        if (hpa - fw->base - a->mr.addr < memory_region_size(&a->mr)) {
            return CXL_WINDOW_ACCESS_ALIAS;
        }
    }
    t = cxl_window_routes(fw);
    if (t && cxl_window_page_ram(t, page, &offset)) {
        return CXL_WINDOW_ACCESS_PAGE;
    }
    return CXL_WINDOW_ACCESS_TRAP;
}

static IOMMUTLBEntry cxl_window_translate(IOMMUMemoryRegion *iommu,
                                          hwaddr addr, IOMMUAccessFlags flag,
                                          int iommu_idx)
{
    CXLFixedWindow *fw = container_of(iommu, CXLFixedWindow, iommu);
    hwaddr page = addr & ~(hwaddr)(CXL_WINDOW_PAGE - 1);
    IOMMUTLBEntry e = {
        .target_as = &address_space_memory,
        .iova = page,
        .translated_addr = CXL_WINDOW_TRAP_BASE + fw->base + page,
        .addr_mask = CXL_WINDOW_PAGE - 1,
        .perm = IOMMU_RW,
    };
    const CXLRouteTable *t;

    if (current_cpu && iommu_idx < current_cpu->num_ases) {
        e.target_as = cpu_get_address_space(current_cpu, iommu_idx);
    }
    RCU_READ_LOCK_GUARD();
    t = cxl_window_routes_peek(fw);
    if (t) {
        uint64_t offset;
        AddressSpace *as = cxl_window_page_ram(t, fw->base + page, &offset);

        if (as) {
            e.target_as = as;
            e.translated_addr = offset;
            trace_cxl_window_map_page(fw->base + page, offset);
        }
    }
    return e;
}

/* One IOMMU index per CPU address space (x86: normal and SMM) */
static int cxl_window_attrs_to_index(IOMMUMemoryRegion *iommu,
                                     MemTxAttrs attrs)
{
    return attrs.secure;
}

static int cxl_window_num_indexes(IOMMUMemoryRegion *iommu)
{
    return 2;
}

void cxl_window_map_regions(CXLFixedWindow *fw, Object *owner,
                            MemoryRegion *sysmem)
{
    /* The trap: its accessors do without the BQL and behave like memory */
    memory_region_init_io(&fw->mr, owner, &cfmws_ops, fw,
                          "cxl-fixed-memory-region", fw->size);
    memory_region_enable_lockless_io(&fw->mr);
    memory_region_enable_io_within_tb(&fw->mr);
    memory_region_add_subregion(sysmem, CXL_WINDOW_TRAP_BASE + fw->base,
                                &fw->mr);

    memory_region_init(&fw->container, owner, "cxl-fixed-memory-window",
                       fw->size);
    memory_region_init_iommu(&fw->iommu, sizeof(fw->iommu),
                             TYPE_CXL_WINDOW_IOMMU, owner,
                             "cxl-window-pages", fw->size);
    memory_region_add_subregion(&fw->container, 0, MEMORY_REGION(&fw->iommu));
    memory_region_add_subregion(sysmem, fw->base, &fw->container);
}

static void cxl_window_iommu_class_init(ObjectClass *klass, void *data)
{
    IOMMUMemoryRegionClass *imrc = IOMMU_MEMORY_REGION_CLASS(klass);

    imrc->translate = cxl_window_translate;
    imrc->attrs_to_index = cxl_window_attrs_to_index;
    imrc->num_indexes = cxl_window_num_indexes;
}

static const TypeInfo cxl_window_iommu_info = {
    .name = TYPE_CXL_WINDOW_IOMMU,
    .parent = TYPE_IOMMU_MEMORY_REGION,
    .class_init = cxl_window_iommu_class_init,
};

static void cxl_window_map_register_types(void)
{
    type_register_static(&cxl_window_iommu_info);
}

type_init(cxl_window_map_register_types)
