/*
 * What the emulated CXL hardware believes, for the monitor: QMP
 * query-cxl (the windows, then each host bridge with its HDM decoders,
 * root ports, switches and Type 3 devices with theirs) and cxl-translate
 * (where an address goes, decoded as an access would be), and the HMP
 * commands "info cxl" and "cxl_translate" that print them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-cxl.h"
#include "qapi/qmp/qdict.h"
#include "monitor/monitor.h"
#include "monitor/hmp.h"
#include "hw/boards.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pcie_port.h"
#include "hw/cxl/cxl-device.h"

static CXLState *cxl_enabled_state(void)
{
    CXLState *cxl = MACHINE(qdev_get_machine())->cxl_state;

    return cxl && cxl->is_enabled ? cxl : NULL;
}

static const char *dev_id(void *dev)
{
    return DEVICE(dev)->id ? DEVICE(dev)->id : "(no id)";
}

static CxlDecoderInfoList *decoders_info(CXLComponentState *cs)
{
    CxlDecoderInfoList *list = NULL;
    int n, i;

    for (n = cs->hdm_count - 1; n >= 0; n--) {
        uint32_t ctrl = cxl_component_cm_read(cs, cs->hdm_offset +
                            A_CXL_HDM_DECODER0_CTRL + n * CXL_HDM_DECODER_STRIDE);
        const CXLHDMDecoder *d = &cs->hdm[n];
        CxlDecoderInfo *info = g_new0(CxlDecoderInfo, 1);

        info->index = n;
        info->committed = d->committed;
        info->error = FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED);
        info->locked = FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, LOCK_ON_COMMIT);
        if (d->committed) {
            info->has_base = info->has_size = true;
            info->has_ways = info->has_granularity = true;
            info->base = d->base;
            info->size = d->size;
            info->ways = d->ways;
            info->granularity = d->granularity;
            if (cs->kind == CXL_COMPONENT_ENDPOINT) {
                info->has_dpa_base = info->has_dpa_size = true;
                info->dpa_base = d->dpa_base;
                info->dpa_size = d->dpa_size;
            } else {
                info->has_targets = true;
                for (i = d->ways - 1; i >= 0; i--) {
                    QAPI_LIST_PREPEND(info->targets, d->target[i]);
                }
            }
        }
        QAPI_LIST_PREPEND(list, info);
    }
    return list;
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
        CXLType3Dev *ct3d = CXL_TYPE3(dev);
        CxlType3Info *t3 = g_new0(CxlType3Info, 1);

        t3->id = g_strdup(dev_id(dev));
        t3->serial = cxl_type3_serial(ct3d);
        t3->volatile_size = ct3d->vmem_size;
        t3->persistent_size = ct3d->pmem_size;
        t3->lsa_size = ct3d->lsa_size;
        t3->decoders = decoders_info(&ct3d->cstate);
        info->has_device = true;
        info->device = t3;
    } else if (dev && object_dynamic_cast(OBJECT(dev), TYPE_CXL_USP)) {
        PCIBus *bus = pci_bridge_get_sec_bus(PCI_BRIDGE(dev));
        CxlSwitchInfo *sw = g_new0(CxlSwitchInfo, 1);

        sw->id = g_strdup(dev_id(dev));
        sw->decoders = decoders_info(cxl_upstream_port_component(dev));
        for (devfn = ARRAY_SIZE(bus->devices) - 1; devfn >= 0; devfn--) {
            PCIDevice *dsp = bus->devices[devfn];

            if (dsp && object_dynamic_cast(OBJECT(dsp), TYPE_CXL_DSP)) {
                QAPI_LIST_PREPEND(sw->ports, port_info(dsp));
            }
        }
        info->has_q_switch = true;
        info->q_switch = sw;
    }
    return info;
}

static void host_bridge_info(CXLHostBridge *hb, void *opaque)
{
    CxlHostBridgeInfoList **tail = opaque;
    CxlHostBridgeInfo *info = g_new0(CxlHostBridgeInfo, 1);
    CxlHostBridgeInfoList *entry = g_new0(CxlHostBridgeInfoList, 1);
    PCIBus *bus = cxl_host_bridge_bus(hb);
    int devfn;

    info->id = g_strdup(dev_id(hb));
    info->uid = cxl_host_bridge_uid(hb);
    info->registers = cxl_host_bridge_chbcr(hb);
    info->decoders = decoders_info(cxl_host_bridge_component(hb));
    for (devfn = bus ? ARRAY_SIZE(bus->devices) - 1 : -1; devfn >= 0; devfn--) {
        PCIDevice *rp = bus->devices[devfn];

        if (rp && object_dynamic_cast(OBJECT(rp), TYPE_CXL_ROOT_PORT)) {
            QAPI_LIST_PREPEND(info->root_ports, port_info(rp));
        }
    }
    /* Host bridges in the order they were created */
    entry->value = info;
    while (*tail) {
        tail = &(*tail)->next;
    }
    *tail = entry;
}

CxlInfo *qmp_query_cxl(Error **errp)
{
    CXLState *cxl = cxl_enabled_state();
    CxlInfo *info = g_new0(CxlInfo, 1);
    int i, t;

    if (!cxl) {
        return info;
    }
    info->enabled = true;
    info->fast_path = cxl->fast_path;
    for (i = cxl->windows->len - 1; i >= 0; i--) {
        CXLFixedWindow *w = g_ptr_array_index(cxl->windows, i);
        CxlWindowInfo *wi = g_new0(CxlWindowInfo, 1);

        wi->index = w->index;
        wi->base = w->base;
        wi->size = w->size;
        wi->granularity = w->granularity;
        for (t = w->num_targets - 1; t >= 0; t--) {
            QAPI_LIST_PREPEND(wi->targets, g_strdup(w->target_id[t]));
        }
        QAPI_LIST_PREPEND(info->windows, wi);
    }
    cxl_host_bridge_foreach(host_bridge_info, &info->host_bridges);
    return info;
}

CxlTranslation *qmp_cxl_translate(uint64_t address, Error **errp)
{
    CXLState *cxl = cxl_enabled_state();
    CxlTranslation *tr = g_new0(CxlTranslation, 1);
    unsigned i;

    tr->address = address;
    for (i = 0; cxl && i < cxl->windows->len; i++) {
        CXLFixedWindow *w = g_ptr_array_index(cxl->windows, i);
        CXLRoute r = { 0 };

        if (address < w->base || address - w->base >= w->size) {
            continue;
        }
        tr->has_window = true;
        tr->window = w->index;
        tr->reached = cxl_window_route(w, address, &r);
        if (tr->reached) {
            tr->has_device = tr->has_dpa = true;
            tr->device = g_strdup(dev_id(r.dev));
            tr->dpa = r.dpa;
        } else {
            tr->has_level = tr->has_reason = true;
            tr->level = g_strdup(r.level);
            tr->reason = g_strdup(r.why);
        }
        return tr;
    }
    tr->has_level = tr->has_reason = true;
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
            monitor_printf(mon, "%sdecoder %" PRId64 ": %s\n", indent, d->index,
                           d->error ? "error (not committed)" : "not committed");
            continue;
        }
        monitor_printf(mon, "%sdecoder %" PRId64 ": committed%s HPA 0x%" PRIx64
                       "-0x%" PRIx64 " %" PRId64 " way(s) %" PRIu64 " B", indent,
                       d->index, d->locked ? " locked" : "", d->base,
                       d->base + d->size - 1, d->ways, d->granularity);
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

    if (port->has_device) {
        CxlType3Info *t3 = port->device;

        monitor_printf(mon, "%stype3 %s: volatile %" PRIu64 " MiB, persistent %"
                       PRIu64 " MiB, LSA %" PRIu64 " bytes, serial 0x%" PRIx64 "\n",
                       pad, t3->id, t3->volatile_size >> 20,
                       t3->persistent_size >> 20, t3->lsa_size, t3->serial);
        print_decoders(mon, pad2, t3->decoders);
    } else if (port->has_q_switch) {
        monitor_printf(mon, "%sswitch upstream port %s\n", pad, port->q_switch->id);
        print_decoders(mon, pad2, port->q_switch->decoders);
        for (p = port->q_switch->ports; p; p = p->next) {
            monitor_printf(mon, "%sdownstream port %s: port %" PRId64 "\n", pad2,
                           p->value->id, p->value->port);
            print_below(mon, p->value, indent + 4);
        }
    }
}

void hmp_info_cxl(Monitor *mon, const QDict *qdict)
{
    CxlInfo *info = qmp_query_cxl(NULL);
    CxlWindowInfoList *w;
    CxlHostBridgeInfoList *hb;
    CxlPortInfoList *rp;
    strList *t;
    unsigned ways;

    if (!info->enabled) {
        monitor_printf(mon, "CXL is not enabled (-M ...,cxl=on)\n");
        qapi_free_CxlInfo(info);
        return;
    }
    monitor_printf(mon, "CXL fixed memory windows (%s path):\n",
                   info->fast_path ? "fast" : "reference");
    for (w = info->windows; w; w = w->next) {
        for (ways = 0, t = w->value->targets; t; t = t->next) {
            ways++;
        }
        monitor_printf(mon, "  window %" PRId64 ": HPA 0x%" PRIx64 "-0x%" PRIx64
                       " %u way(s) %" PRIu64 " B, targets", w->value->index,
                       w->value->base, w->value->base + w->value->size - 1,
                       ways, w->value->granularity);
        for (t = w->value->targets; t; t = t->next) {
            monitor_printf(mon, " %s", t->value);
        }
        monitor_printf(mon, "\n");
    }
    monitor_printf(mon, "CXL host bridges:\n");
    for (hb = info->host_bridges; hb; hb = hb->next) {
        monitor_printf(mon, "  host bridge %s: _UID %" PRId64 ", registers at 0x%"
                       PRIx64 "\n", hb->value->id, hb->value->uid,
                       hb->value->registers);
        print_decoders(mon, "    ", hb->value->decoders);
        for (rp = hb->value->root_ports; rp; rp = rp->next) {
            monitor_printf(mon, "    root port %s: port %" PRId64 "\n",
                           rp->value->id, rp->value->port);
            print_below(mon, rp->value, 6);
        }
    }
    qapi_free_CxlInfo(info);
}

void hmp_cxl_translate(Monitor *mon, const QDict *qdict)
{
    CxlTranslation *tr = qmp_cxl_translate(qdict_get_int(qdict, "addr"), NULL);

    monitor_printf(mon, "HPA 0x%" PRIx64, tr->address);
    if (tr->has_window) {
        monitor_printf(mon, " (window %" PRId64 ")", tr->window);
    }
    if (tr->reached) {
        monitor_printf(mon, ": %s DPA 0x%" PRIx64 "\n", tr->device, tr->dpa);
    } else {
        monitor_printf(mon, ": not reached: the decode stops at the %s: %s\n",
                       tr->level, tr->reason);
    }
    qapi_free_CxlTranslation(tr);
}
