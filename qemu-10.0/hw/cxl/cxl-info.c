/*
 * What the emulated CXL hardware believes, for the monitor: QMP query-cxl
 * (the windows, then each host bridge with its HDM decoders, root ports,
 * switches and Type 3 devices with theirs) and cxl-translate (where an
 * address goes, routed as an access would be), and the HMP commands
 * "info cxl" and "cxl_translate" that print them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-cxl.h"
#include "qobject/qdict.h"
#include "monitor/monitor.h"
#include "monitor/hmp.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pcie_port.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_host.h"
#include "cxl-route.h"

static CXLState *cxl_enabled_state(void)
{
    CXLState *cxl = cxl_get_machine_state();

    return cxl && cxl->is_enabled ? cxl : NULL;
}

static const char *dev_id(void *dev)
{
    return DEVICE(dev)->id ? DEVICE(dev)->id : "(no id)";
}

/* The HDM decoders of a component (CXL r3.1 8.2.4.20), register by register */
static CxlDecoderInfoList *decoders_info(CXLComponentState *cs, bool endpoint)
{
    const uint32_t *cache_mem = cs->crb.cache_mem_registers;
    uint32_t cap = ldl_le_p(cache_mem + R_CXL_HDM_DECODER_CAPABILITY);
    int count = cxl_decoder_count_dec(FIELD_EX32(cap,
                                                 CXL_HDM_DECODER_CAPABILITY,
                                                 DECODER_COUNT));
    CxlDecoderInfoList *list = NULL, **tail = &list;
    uint64_t dpa = 0;
    bool stopped = false;
    int n, i;

    for (n = 0; n < count; n++) {
        uint32_t ctrl = ldl_le_p(cache_mem + R_CXL_HDM_DECODER0_CTRL +
                                 n * CXL_HDM_DECODER_STRIDE / 4);
        uint64_t base = cxl_hdm_reg64(cache_mem, n,
                                      A_CXL_HDM_DECODER0_BASE_LO) &
                        ~(uint64_t)0xfffffff;
        uint64_t size = cxl_hdm_reg64(cache_mem, n,
                                      A_CXL_HDM_DECODER0_SIZE_LO) &
                        ~(uint64_t)0xfffffff;
        uint64_t skip = cxl_hdm_reg64(cache_mem, n,
                                      A_CXL_HDM_DECODER0_DPA_SKIP_LO) &
                        ~(uint64_t)0xfffffff;
        int ways = cxl_interleave_ways_dec(FIELD_EX32(ctrl,
                                                      CXL_HDM_DECODER0_CTRL,
                                                      IW), NULL);
        CxlDecoderInfo *info = g_new0(CxlDecoderInfo, 1);

        info->index = n;
        info->committed = FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, COMMITTED);
        info->error = FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, ERR);
        info->locked = FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, LOCK_ON_COMMIT);
        if (info->committed && ways) {
            info->has_base = info->has_size = true;
            info->has_ways = info->has_granularity = true;
            info->base = base;
            info->size = size;
            info->ways = ways;
            info->granularity =
                cxl_decode_ig(FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, IG));
            if (endpoint && !stopped) {
                /* as cxl_type3_endpoint_decode() counts them */
                info->has_dpa_base = info->has_dpa_size = true;
                info->dpa_base = dpa + skip;
                info->dpa_size = size / ways;
                dpa += skip + size / ways;
            } else if (!endpoint) {
                intList **t = &info->targets;

                info->has_targets = true;
                for (i = 0; i < MIN(ways, 8); i++) {
                    uint32_t tl = ldl_le_p(cache_mem + (i < 4 ?
                                        R_CXL_HDM_DECODER0_TARGET_LIST_LO :
                                        R_CXL_HDM_DECODER0_TARGET_LIST_HI) +
                                        n * CXL_HDM_DECODER_STRIDE / 4);
                    QAPI_LIST_APPEND(t, extract32(tl, (i % 4) * 8, 8));
                }
            }
        }
        /* the device decodes nothing after its first uncommitted decoder */
        stopped |= !info->committed;
        QAPI_LIST_APPEND(tail, info);
    }
    return list;
}

static CxlType3Info *type3_info(CXLType3Dev *ct3d)
{
    CxlType3Info *t3 = g_new0(CxlType3Info, 1);

    t3->id = g_strdup(dev_id(ct3d));
    t3->path = object_get_canonical_path(OBJECT(ct3d));
    t3->serial = ct3d->sn;
    if (ct3d->hostvmem) {
        t3->volatile_size = memory_region_size(
            host_memory_backend_get_memory(ct3d->hostvmem));
    }
    if (ct3d->hostpmem) {
        t3->persistent_size = memory_region_size(
            host_memory_backend_get_memory(ct3d->hostpmem));
    }
    t3->dynamic_capacity_size = ct3d->dc.total_capacity;
    if (ct3d->lsa) {
        t3->lsa_size = memory_region_size(
            host_memory_backend_get_memory(ct3d->lsa));
    }
    t3->decoders = decoders_info(&ct3d->cxl_cstate, true);
    return t3;
}

/* A root port or downstream port, and what sits below it, recursively */
static CxlPortInfo *port_info(PCIDevice *port)
{
    PCIDevice *dev = pci_bridge_get_sec_bus(PCI_BRIDGE(port))->devices[0];
    CxlPortInfo *info = g_new0(CxlPortInfo, 1);
    int devfn;

    info->id = g_strdup(dev_id(port));
    info->port = PCIE_PORT(port)->port;
    if (dev && object_dynamic_cast(OBJECT(dev), TYPE_CXL_TYPE3)) {
        info->device = type3_info(CXL_TYPE3(dev));
    } else if (dev && object_dynamic_cast(OBJECT(dev), TYPE_CXL_USP)) {
        PCIBus *bus = pci_bridge_get_sec_bus(PCI_BRIDGE(dev));
        CxlSwitchInfo *sw = g_new0(CxlSwitchInfo, 1);
        CxlPortInfoList **tail = &sw->ports;

        sw->id = g_strdup(dev_id(dev));
        sw->decoders = decoders_info(cxl_usp_to_cstate(CXL_USP(dev)), false);
        for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
            PCIDevice *dsp = bus->devices[devfn];

            if (dsp && object_dynamic_cast(OBJECT(dsp), TYPE_CXL_DSP)) {
                QAPI_LIST_APPEND(tail, port_info(dsp));
            }
        }
        info->q_switch = sw;
    }
    return info;
}

static int collect_host_bridge(Object *obj, void *opaque)
{
    if (object_dynamic_cast(obj, TYPE_PXB_CXL_DEV)) {
        g_ptr_array_add(opaque, obj);
    }
    return 0;
}

static gint host_bridge_cmp(gconstpointer a, gconstpointer b)
{
    const PXBDev *x = *(PXBDev * const *)a, *y = *(PXBDev * const *)b;

    return x->bus_nr - y->bus_nr;
}

static CxlHostBridgeInfo *host_bridge_info(CXLState *cxl, PXBCXLDev *pxb)
{
    CxlHostBridgeInfo *info = g_new0(CxlHostBridgeInfo, 1);
    CxlPortInfoList **tail = &info->root_ports;
    CXLHost *host = pxb->cxl_host_bridge;
    PCIBus *bus = host ? PCI_HOST_BRIDGE(host)->bus : NULL;
    int devfn;

    info->id = g_strdup(dev_id(pxb));
    info->bus_nr = PXB_DEV(pxb)->bus_nr;
    if (!host) {
        return info;
    }
    info->registers = cxl->host_mr.addr +
                      host->cxl_cstate.crb.component_registers.addr;
    info->passthrough = cxl_get_hb_passthrough(PCI_HOST_BRIDGE(host));
    info->decoders = decoders_info(&host->cxl_cstate, false);
    for (devfn = 0; bus && devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *rp = bus->devices[devfn];

        if (rp && object_dynamic_cast(OBJECT(rp), TYPE_PCIE_PORT)) {
            QAPI_LIST_APPEND(tail, port_info(rp));
        }
    }
    return info;
}

CxlInfo *qmp_query_cxl(Error **errp)
{
    CXLState *cxl = cxl_enabled_state();
    CxlInfo *info = g_new0(CxlInfo, 1);
    CxlWindowInfoList **wtail = &info->windows;
    CxlHostBridgeInfoList **htail = &info->host_bridges;
    g_autoptr(GPtrArray) hbs = g_ptr_array_new();
    GList *it;
    int index = 0, t;

    if (!cxl) {
        return info;
    }
    info->enabled = true;
    info->fast_path = cxl->fast_path;
    for (it = cxl->fixed_windows; it; it = it->next, index++) {
        CXLFixedWindow *fw = it->data;
        CxlWindowInfo *wi = g_new0(CxlWindowInfo, 1);
        strList **ttail = &wi->targets;

        wi->index = index;
        wi->base = fw->base;
        wi->size = fw->size;
        wi->granularity = cxl_decode_ig(fw->enc_int_gran);
        for (t = 0; t < fw->num_targets; t++) {
            QAPI_LIST_APPEND(ttail, g_strdup(fw->targets[t]));
        }
        wi->routes = cxl->fast_path && cxl_window_routes_current(fw);
        QAPI_LIST_APPEND(wtail, wi);
    }
    object_child_foreach_recursive(object_get_root(), collect_host_bridge,
                                   hbs);
    g_ptr_array_sort(hbs, host_bridge_cmp);
    for (t = 0; t < hbs->len; t++) {
        QAPI_LIST_APPEND(htail, host_bridge_info(cxl,
                                                 PXB_CXL_DEV(hbs->pdata[t])));
    }
    return info;
}

CxlTranslation *qmp_cxl_translate(uint64_t address, Error **errp)
{
    CXLState *cxl = cxl_enabled_state();
    CxlTranslation *tr = g_new0(CxlTranslation, 1);
    GList *it;
    int index = 0;

    tr->address = address;
    for (it = cxl ? cxl->fixed_windows : NULL; it; it = it->next, index++) {
        CXLFixedWindow *fw = it->data;
        CXLRoute r;

        if (address < fw->base || address - fw->base >= fw->size) {
            continue;
        }
        tr->has_window = true;
        tr->window = index;
        tr->has_access = true;
        tr->access = cxl_window_access(fw, address);
        tr->reached = cxl_window_route(fw, address, &r);
        if (tr->reached) {
            tr->device = g_strdup(dev_id(r.dev));
            tr->path = object_get_canonical_path(OBJECT(r.dev));
            tr->has_dpa = true;
            tr->dpa = r.dpa;
        } else {
            tr->level = g_strdup(r.level);
            tr->reason = g_strdup(r.why);
        }
        return tr;
    }
    tr->level = g_strdup("window");
    tr->reason = g_strdup(cxl ? "the address is in no CXL fixed memory window"
                              : "CXL is not enabled (-M ...,cxl=on)");
    return tr;
}

static void print_decoders(Monitor *mon, const char *indent,
                           CxlDecoderInfoList *list)
{
    for (; list; list = list->next) {
        CxlDecoderInfo *d = list->value;
        intList *t;

        if (!d->committed) {
            monitor_printf(mon, "%sdecoder %" PRId64 ": %s\n", indent,
                           d->index, d->error ? "error (not committed)" :
                           "not committed");
            continue;
        }
        monitor_printf(mon, "%sdecoder %" PRId64 ": committed%s HPA 0x%"
                       PRIx64 "-0x%" PRIx64 " %" PRId64 " way(s) %" PRIu64
                       " B", indent, d->index, d->locked ? " locked" : "",
                       d->base, d->base + d->size - 1, d->ways,
                       d->granularity);
        if (d->has_dpa_base) {
            monitor_printf(mon, " DPA 0x%" PRIx64 "-0x%" PRIx64 "\n",
                           d->dpa_base, d->dpa_base + d->dpa_size - 1);
        } else {
            monitor_printf(mon, " targets");
            for (t = d->targets; t; t = t->next) {
                monitor_printf(mon, " %" PRId64, t->value);
            }
            monitor_printf(mon, "\n");
        }
    }
}

static void print_below(Monitor *mon, CxlPortInfo *port, int indent)
{
    g_autofree char *pad = g_strnfill(indent, ' ');
    g_autofree char *pad2 = g_strnfill(indent + 2, ' ');
    CxlPortInfoList *p;

    if (port->device) {
        CxlType3Info *t3 = port->device;

        monitor_printf(mon, "%stype3 %s: volatile %" PRIu64 " MiB, "
                       "persistent %" PRIu64 " MiB, dynamic %" PRIu64
                       " MiB, LSA %" PRIu64 " bytes, serial 0x%" PRIx64 "\n",
                       pad, t3->id, t3->volatile_size >> 20,
                       t3->persistent_size >> 20,
                       t3->dynamic_capacity_size >> 20, t3->lsa_size,
                       t3->serial);
        print_decoders(mon, pad2, t3->decoders);
    } else if (port->q_switch) {
        monitor_printf(mon, "%sswitch upstream port %s\n", pad,
                       port->q_switch->id);
        print_decoders(mon, pad2, port->q_switch->decoders);
        for (p = port->q_switch->ports; p; p = p->next) {
            monitor_printf(mon, "%sdownstream port %s: port %" PRId64 "\n",
                           pad2, p->value->id, p->value->port);
            print_below(mon, p->value, indent + 4);
        }
    }
}

void hmp_info_cxl(Monitor *mon, const QDict *qdict)
{
    g_autoptr(CxlInfo) info = qmp_query_cxl(NULL);
    CxlWindowInfoList *w;
    CxlHostBridgeInfoList *hb;
    CxlPortInfoList *rp;
    strList *t;

    if (!info->enabled) {
        monitor_printf(mon, "CXL is not enabled (-M ...,cxl=on)\n");
        return;
    }
    monitor_printf(mon, "CXL fixed memory windows (%s):\n",
                   info->fast_path ? "route tables" : "reference walk");
    for (w = info->windows; w; w = w->next) {
        monitor_printf(mon, "  window %" PRId64 ": HPA 0x%" PRIx64 "-0x%"
                       PRIx64 " %" PRIu64 " B, targets", w->value->index,
                       w->value->base, w->value->base + w->value->size - 1,
                       w->value->granularity);
        for (t = w->value->targets; t; t = t->next) {
            monitor_printf(mon, " %s", t->value);
        }
        monitor_printf(mon, "%s\n", w->value->routes ? ", routed by table" :
                       "");
    }
    monitor_printf(mon, "CXL host bridges:\n");
    for (hb = info->host_bridges; hb; hb = hb->next) {
        monitor_printf(mon, "  host bridge %s: bus %" PRId64 ", registers "
                       "at 0x%" PRIx64 "%s\n", hb->value->id,
                       hb->value->bus_nr, hb->value->registers,
                       hb->value->passthrough ? ", passthrough" : "");
        print_decoders(mon, "    ", hb->value->decoders);
        for (rp = hb->value->root_ports; rp; rp = rp->next) {
            monitor_printf(mon, "    root port %s: port %" PRId64 "\n",
                           rp->value->id, rp->value->port);
            print_below(mon, rp->value, 6);
        }
    }
}

void hmp_cxl_translate(Monitor *mon, const QDict *qdict)
{
    g_autoptr(CxlTranslation) tr =
        qmp_cxl_translate(qdict_get_int(qdict, "addr"), NULL);

    monitor_printf(mon, "HPA 0x%" PRIx64, tr->address);
    if (tr->has_window) {
        monitor_printf(mon, " (window %" PRId64 ")", tr->window);
    }
    if (tr->reached) {
        monitor_printf(mon, ": %s DPA 0x%" PRIx64 " (%s)\n", tr->device,
                       tr->dpa, CxlWindowAccess_str(tr->access));
    } else {
        monitor_printf(mon, ": not reached: the decode stops at the %s: %s\n",
                       tr->level, tr->reason);
    }
}
