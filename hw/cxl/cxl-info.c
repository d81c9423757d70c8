/*
 * HMP "info cxl": what the emulated CXL hardware believes. The windows,
 * then each host bridge with its HDM decoders, its root ports, and the
 * Type 3 device below each with its capacity and HDM decoders.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "monitor/monitor.h"
#include "monitor/hmp.h"
#include "hw/boards.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pcie_port.h"
#include "hw/cxl/cxl-device.h"

static void print_decoders(Monitor *mon, const char *indent,
                           CXLComponentState *cs)
{
    unsigned n, i;

    for (n = 0; n < cs->hdm_count; n++) {
        uint32_t ctrl = cxl_component_cm_read(cs, cs->hdm_offset +
                            A_CXL_HDM_DECODER0_CTRL + n * CXL_HDM_DECODER_STRIDE);
        const CXLHDMDecoder *d = &cs->hdm[n];

        if (!d->committed) {
            monitor_printf(mon, "%sdecoder %u: %s\n", indent, n,
                           FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, ERR_NOT_COMMITTED)
                           ? "error (not committed)" : "not committed");
            continue;
        }
        monitor_printf(mon, "%sdecoder %u: committed%s HPA 0x%" PRIx64 "-0x%"
                       PRIx64 " %u way(s) %" PRIu64 " B", indent, n,
                       FIELD_EX32(ctrl, CXL_HDM_DECODER0_CTRL, LOCK_ON_COMMIT)
                       ? " locked" : "", d->base, d->base + d->size - 1,
                       d->ways, d->granularity);
        if (cs->kind == CXL_COMPONENT_ENDPOINT) {
            monitor_printf(mon, " DPA 0x%" PRIx64 "-0x%" PRIx64 "\n",
                           d->dpa_base, d->dpa_base + d->dpa_size - 1);
        } else {
            monitor_printf(mon, " targets");
            for (i = 0; i < d->ways; i++) {
                monitor_printf(mon, " %u", d->target[i]);
            }
            monitor_printf(mon, "\n");
        }
    }
}

static const char *dev_id(void *dev)
{
    return DEVICE(dev)->id ? DEVICE(dev)->id : "(no id)";
}

/* What sits below a root port or switch downstream port, recursively */
static void print_below(Monitor *mon, PCIDevice *port, int indent)
{
    PCIDevice *dev = pci_bridge_get_sec_bus(PCI_BRIDGE(port))->devices[0];
    g_autofree char *pad = g_strnfill(indent, ' ');
    g_autofree char *pad2 = g_strnfill(indent + 2, ' ');
    int devfn;

    if (dev && object_dynamic_cast(OBJECT(dev), TYPE_CXL_TYPE3)) {
        CXLType3Dev *ct3d = CXL_TYPE3(dev);

        monitor_printf(mon, "%stype3 %s: volatile %" PRIu64 " MiB, persistent %"
                       PRIu64 " MiB, LSA %" PRIu64 " bytes\n", pad, dev_id(dev),
                       ct3d->vmem_size >> 20, ct3d->pmem_size >> 20, ct3d->lsa_size);
        print_decoders(mon, pad2, &ct3d->cstate);
    } else if (dev && object_dynamic_cast(OBJECT(dev), TYPE_CXL_USP)) {
        PCIBus *bus = pci_bridge_get_sec_bus(PCI_BRIDGE(dev));

        monitor_printf(mon, "%sswitch upstream port %s\n", pad, dev_id(dev));
        print_decoders(mon, pad2, cxl_upstream_port_component(dev));
        for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
            PCIDevice *dsp = bus->devices[devfn];
            if (dsp && object_dynamic_cast(OBJECT(dsp), TYPE_CXL_DSP)) {
                monitor_printf(mon, "%sdownstream port %s: port %u\n", pad2,
                               dev_id(dsp), PCIE_PORT(dsp)->port);
                print_below(mon, dsp, indent + 4);
            }
        }
    }
}

static void print_host_bridge(CXLHostBridge *hb, void *opaque)
{
    Monitor *mon = opaque;
    PCIBus *bus = cxl_host_bridge_bus(hb);
    int devfn;

    monitor_printf(mon, "  host bridge %s: _UID %u, registers at 0x%" HWADDR_PRIx
                   "\n", dev_id(hb), cxl_host_bridge_uid(hb),
                   cxl_host_bridge_chbcr(hb));
    print_decoders(mon, "    ", cxl_host_bridge_component(hb));
    for (devfn = 0; bus && devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *rp = bus->devices[devfn];

        if (rp && object_dynamic_cast(OBJECT(rp), TYPE_CXL_ROOT_PORT)) {
            monitor_printf(mon, "    root port %s: port %u\n", dev_id(rp),
                           PCIE_PORT(rp)->port);
            print_below(mon, rp, 6);
        }
    }
}

void hmp_info_cxl(Monitor *mon, const QDict *qdict)
{
    MachineState *ms = MACHINE(qdev_get_machine());
    CXLState *cxl = ms->cxl_state;
    unsigned i, t;

    if (!cxl || !cxl->is_enabled) {
        monitor_printf(mon, "CXL is not enabled (-M ...,cxl=on)\n");
        return;
    }
    monitor_printf(mon, "CXL fixed memory windows:\n");
    for (i = 0; i < cxl->windows->len; i++) {
        CXLFixedWindow *w = g_ptr_array_index(cxl->windows, i);

        monitor_printf(mon, "  window %u: HPA 0x%" HWADDR_PRIx "-0x%" HWADDR_PRIx
                       " %u way(s) %" PRIu64 " B, targets", i, w->base,
                       w->base + w->size - 1, w->num_targets, w->granularity);
        for (t = 0; t < w->num_targets; t++) {
            monitor_printf(mon, " %s", w->target_id[t]);
        }
        monitor_printf(mon, "\n");
    }
    monitor_printf(mon, "CXL host bridges:\n");
    cxl_host_bridge_foreach(print_host_bridge, mon);
}
