/*
 * Where a host physical address in a CXL Fixed Memory Window goes: the
 * whole decode, in the order hardware decodes it.
 *
 *   1. The window's interleave picks a host bridge (CXL 2.0 9.14.1.3).
 *   2. The host bridge's committed HDM decoder picks a root port from its
 *      target list (8.2.5.12); a host bridge with one root port and no
 *      committed decoder passes everything through, as Linux expects.
 *   3. Below the root port, each switch's upstream port decodes like a
 *      host bridge and picks a downstream port, as many levels as there
 *      are (a switch with one downstream port and no committed decoder
 *      passes through); below the last port sits the endpoint.
 *   4. The endpoint's committed HDM decoder turns the HPA into a device
 *      physical address: its DPA base (skip included) plus the HPA offset
 *      with the interleave removed.
 *
 * Every level uses the decoders as decoded at commit (CXLHDMDecoder).
 * Target selection works on the HPA itself, as the spec's bit slicing and
 * "HPA mod 3" do; only the endpoint's DPA uses the offset into its range.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pcie_port.h"
#include "hw/cxl/cxl-device.h"
#include "trace.h"

/* The committed decoder of @cs whose HPA range holds @hpa, or -1 */
static int cxl_hdm_lookup(CXLComponentState *cs, hwaddr hpa)
{
    unsigned i;

    for (i = 0; i < cs->hdm_count && cs->hdm[i].committed; i++) {
        const CXLHDMDecoder *d = &cs->hdm[i];
        if (hpa >= d->base && hpa - d->base < d->size) {
            return i;
        }
    }
    return -1;
}

/* The @type port on @bus with port number @port (any: -1), and how many */
static PCIDevice *cxl_find_port(PCIBus *bus, const char *type, int port,
                                unsigned *count)
{
    PCIDevice *found = NULL;
    int devfn;

    *count = 0;
    for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *d = bus->devices[devfn];

        if (d && object_dynamic_cast(OBJECT(d), type)) {
            (*count)++;
            if (port < 0 || PCIE_PORT(d)->port == port) {
                found = d;
            }
        }
    }
    return found;
}

static bool cxl_route_fail(CXLRoute *r, hwaddr hpa, const char *level,
                           const char *why)
{
    r->level = level;
    r->why = why;
    trace_cxl_route_fail(hpa, level, why);
    return false;
}

bool cxl_route(CXLFixedWindow *w, hwaddr hpa, CXLRoute *r)
{
    CXLHostBridge *hb;
    CXLComponentState *cs;
    const CXLHDMDecoder *d;
    PCIDevice *port, *dev;
    PCIBus *bus;
    unsigned pos, nports, depth;
    int dec;
    uint64_t off;

    memset(r, 0, sizeof(*r));

    /* 1. Window: modulo interleave over its targets */
    pos = cxl_interleave_position(hpa, w->granularity, w->num_targets);
    hb = w->target[pos];
    trace_cxl_route_window(w->index, hpa, pos, cxl_host_bridge_uid(hb));

    /* 2. Host bridge: its decoder picks the root port */
    cs = cxl_host_bridge_component(hb);
    bus = cxl_host_bridge_bus(hb);
    dec = cxl_hdm_lookup(cs, hpa);
    if (dec >= 0) {
        d = &cs->hdm[dec];
        pos = cxl_interleave_position(hpa, d->granularity, d->ways);
        port = cxl_find_port(bus, TYPE_CXL_ROOT_PORT, d->target[pos], &nports);
        if (!port) {
            return cxl_route_fail(r, hpa, "host bridge",
                                  "no root port with the target's port number");
        }
    } else {
        port = cxl_find_port(bus, TYPE_CXL_ROOT_PORT, -1, &nports);
        if (nports != 1) {
            return cxl_route_fail(r, hpa, "host bridge",
                                  "no committed HDM decoder covers the address");
        }
    }
    trace_cxl_route_host_bridge(cxl_host_bridge_uid(hb), dec, PCIE_PORT(port)->port);

    /* 3. Switches: each upstream port's decoder picks a downstream port */
    for (depth = 0; ; depth++) {
        dev = pci_bridge_get_sec_bus(PCI_BRIDGE(port))->devices[0];
        if (!dev || !object_dynamic_cast(OBJECT(dev), TYPE_CXL_USP)) {
            break;
        }
        if (depth == CXL_ROUTE_MAX_SWITCHES) {
            return cxl_route_fail(r, hpa, "switch", "switches nest too deep");
        }
        cs = cxl_upstream_port_component(dev);
        bus = pci_bridge_get_sec_bus(PCI_BRIDGE(dev));
        dec = cxl_hdm_lookup(cs, hpa);
        if (dec >= 0) {
            d = &cs->hdm[dec];
            pos = cxl_interleave_position(hpa, d->granularity, d->ways);
            port = cxl_find_port(bus, TYPE_CXL_DSP, d->target[pos], &nports);
            if (!port) {
                return cxl_route_fail(r, hpa, "switch", "no downstream port "
                                      "with the target's port number");
            }
        } else {
            port = cxl_find_port(bus, TYPE_CXL_DSP, -1, &nports);
            if (nports != 1) {
                return cxl_route_fail(r, hpa, "switch", "no committed HDM "
                                      "decoder covers the address");
            }
        }
        trace_cxl_route_switch(cs->name, dec, PCIE_PORT(port)->port);
    }
    if (!dev || !object_dynamic_cast(OBJECT(dev), TYPE_CXL_TYPE3)) {
        return cxl_route_fail(r, hpa, "port", "no CXL Type 3 device below it");
    }

    /* 4. Endpoint: HPA to DPA */
    r->dev = CXL_TYPE3(dev);
    cs = &r->dev->cstate;
    /* CXL 2.0 8.1.3.2: Mem_Enable gates CXL.mem; 8.2.5.12.2: HDM decode */
    if (!cxl_type3_mem_enabled(r->dev)) {
        return cxl_route_fail(r, hpa, "endpoint",
                              "CXL.mem is off (DVSEC Mem_Enable clear)");
    }
    if (!cxl_component_hdm_enabled(cs)) {
        return cxl_route_fail(r, hpa, "endpoint", "its HDM decoders are off "
                              "(HDM Decoder Enable clear)");
    }
    dec = cxl_hdm_lookup(cs, hpa);
    if (dec < 0) {
        return cxl_route_fail(r, hpa, "endpoint",
                              "no committed HDM decoder covers the address");
    }
    d = &cs->hdm[dec];
    off = hpa - d->base;
    r->ep = d;
    r->dpa = d->dpa_base + cxl_interleave_dpa_offset(off, d->granularity, d->ways);
    trace_cxl_route_endpoint(cs->name, dec, r->dpa);
    return true;
}

/* The components below the root port or downstream port @port */
static void cxl_foreach_below(PCIDevice *port, CXLComponentFunc fn, void *opaque,
                              unsigned depth)
{
    PCIDevice *dev = pci_bridge_get_sec_bus(PCI_BRIDGE(port))->devices[0];
    PCIBus *bus;
    int devfn;

    if (!dev) {
        return;
    }
    if (object_dynamic_cast(OBJECT(dev), TYPE_CXL_TYPE3)) {
        fn(&CXL_TYPE3(dev)->cstate, opaque);
        return;
    }
    if (!object_dynamic_cast(OBJECT(dev), TYPE_CXL_USP) ||
        depth == CXL_ROUTE_MAX_SWITCHES) {
        return;
    }
    fn(cxl_upstream_port_component(dev), opaque);
    bus = pci_bridge_get_sec_bus(PCI_BRIDGE(dev));
    for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
        PCIDevice *d = bus->devices[devfn];

        if (d && object_dynamic_cast(OBJECT(d), TYPE_CXL_DSP)) {
            cxl_foreach_below(d, fn, opaque, depth + 1);
        }
    }
}

/* Every component a window's decode can reach, each host bridge once */
void cxl_route_foreach_component(CXLFixedWindow *w, CXLComponentFunc fn,
                                 void *opaque)
{
    unsigned t, u;
    int devfn;

    for (t = 0; t < w->num_targets; t++) {
        PCIBus *bus = cxl_host_bridge_bus(w->target[t]);

        u = 0;
        while (u < t && w->target[u] != w->target[t]) {
            u++;
        }
        if (u < t) {
            continue;
        }
        fn(cxl_host_bridge_component(w->target[t]), opaque);
        for (devfn = 0; devfn < ARRAY_SIZE(bus->devices); devfn++) {
            PCIDevice *d = bus->devices[devfn];

            if (d && object_dynamic_cast(OBJECT(d), TYPE_CXL_ROOT_PORT)) {
                cxl_foreach_below(d, fn, opaque, 0);
            }
        }
    }
}
