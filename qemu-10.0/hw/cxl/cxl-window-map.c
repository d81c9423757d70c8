/*
 * CXL fixed memory windows mapped straight into the guest where they can
 * be: every segment of a window's route table (include/hw/cxl/cxl_route.h)
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
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_route.h"
#include "trace.h"

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

        memory_region_del_subregion(&fw->mr, &a->mr);
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

    if (!memory_region_is_mapped(&fw->mr)) {
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
        memory_region_add_subregion_overlap(&fw->mr, s->start - fw->base,
                                            &a->mr, 1);
        g_ptr_array_add(fw->ram_aliases, a);
        trace_cxl_window_map(s->start, size, offset);
    }
    memory_region_transaction_commit();
}

static void cxl_window_map_all(void *opaque)
{
    GList *it;

    for (it = cxl_window_map_state->fixed_windows; it; it = it->next) {
        CXLFixedWindow *fw = it->data;

        cxl_window_unmap(fw);
        cxl_window_map(fw);
    }
}

static void cxl_window_map_changed(Notifier *n, void *data)
{
    GList *it;

    for (it = cxl_window_map_state->fixed_windows; it; it = it->next) {
        cxl_window_unmap(it->data);
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
