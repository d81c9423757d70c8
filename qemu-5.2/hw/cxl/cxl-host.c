/*
 * pxb-cxl: a CXL host bridge (CXL 2.0 9.14, 8.2.1.1), built on the PCIe
 * expander bridge. Each carries a Component Register block (CHBCR) that
 * the machine maps in its reserved range and the CEDT's CHBS points to.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/boards.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pci_expander_bridge.h"
#include "hw/cxl/cxl.h"
#include "hw/qdev-properties.h"

OBJECT_DECLARE_SIMPLE_TYPE(CXLHostBridge, PXB_CXL_DEVICE)

struct CXLHostBridge {
    PXBDev parent_obj;

    unsigned index;                 /* CHBCR slot in the machine's range */
    PCIBus *bus;                    /* the root bus it creates */
    uint32_t hdm_count;
    CXLComponentState cstate;
};

/* Realized host bridges, in realize order */
static GPtrArray *cxl_host_bridges;
static DeviceRealize pxb_cxl_parent_realize;
static void (*pxb_cxl_parent_exit)(PCIDevice *dev);

bool cxl_machine_check_enabled(const char *what, Error **errp)
{
    MachineState *ms = MACHINE(qdev_get_machine());

    if (!ms->cxl_state || !ms->cxl_state->is_enabled) {
        error_setg(errp, "%s: CXL devices need a machine with cxl=on "
                   "(for example -M q35,cxl=on)", what);
        return false;
    }
    return true;
}

CXLHostBridge *cxl_host_bridge_find(const char *id)
{
    unsigned i;

    for (i = 0; cxl_host_bridges && i < cxl_host_bridges->len; i++) {
        CXLHostBridge *hb = g_ptr_array_index(cxl_host_bridges, i);
        if (DEVICE(hb)->id && !strcmp(DEVICE(hb)->id, id)) {
            return hb;
        }
    }
    return NULL;
}

void cxl_host_bridge_foreach(CXLHostBridgeFunc fn, void *opaque)
{
    unsigned i;

    for (i = 0; cxl_host_bridges && i < cxl_host_bridges->len; i++) {
        fn(g_ptr_array_index(cxl_host_bridges, i), opaque);
    }
}

bool cxl_bus_is_host_bridge(PCIBus *bus)
{
    return bus->parent_dev &&
           object_dynamic_cast(OBJECT(bus->parent_dev), TYPE_PXB_CXL_DEVICE);
}

/* The ACPI _UID of the host bridge's ACPI0016 device: its bus number */
uint32_t cxl_host_bridge_uid(CXLHostBridge *hb)
{
    return hb->parent_obj.bus_nr;
}

hwaddr cxl_host_bridge_chbcr(CXLHostBridge *hb)
{
    MachineState *ms = MACHINE(qdev_get_machine());

    return ms->cxl_state->host_reg_base + hb->index * CXL_COMPONENT_REG_SIZE;
}

MemoryRegion *cxl_host_bridge_registers(CXLHostBridge *hb)
{
    return &hb->cstate.mr;
}

CXLComponentState *cxl_host_bridge_component(CXLHostBridge *hb)
{
    return &hb->cstate;
}

/* The host bridge's own PCI root bus (its root ports sit there) */
PCIBus *cxl_host_bridge_bus(CXLHostBridge *hb)
{
    return hb->bus;
}

static void pxb_cxl_realize(DeviceState *dev, Error **errp)
{
    CXLHostBridge *hb = PXB_CXL_DEVICE(dev);
    Error *local_err = NULL;
    PCIBus *child;

    if (!cxl_machine_check_enabled("pxb-cxl", errp)) {
        return;
    }
    if (!cxl_host_bridges) {
        cxl_host_bridges = g_ptr_array_new();
    }
    if (cxl_host_bridges->len >= CXL_HOST_BRIDGES_MAX) {
        error_setg(errp, "pxb-cxl: at most %d CXL host bridges",
                   CXL_HOST_BRIDGES_MAX);
        return;
    }
    if (hb->hdm_count < 1 || hb->hdm_count > CXL_HDM_MAX_DECODERS ||
        (hb->hdm_count > 1 && hb->hdm_count % 2)) {
        error_setg(errp, "pxb-cxl: hdm-decoders=%u: must be 1, 2, 4, 6, 8 "
                   "or 10", hb->hdm_count);
        return;
    }
    /* The machine's root bus pcie.0 is bus 0: an expander must number above */
    if (!hb->parent_obj.bus_nr) {
        error_setg(errp, "pxb-cxl: bus_nr=0 is the number of the root bus "
                   "pcie.0; give the host bridge a free bus number above it");
        return;
    }
    pxb_cxl_parent_realize(dev, &local_err);
    if (local_err) {
        error_propagate(errp, local_err);
        return;
    }
    /* pxb registers its root bus as a child of the bus it sits on */
    QLIST_FOREACH(child, &pci_get_bus(PCI_DEVICE(dev))->child, sibling) {
        if (child->parent_dev == PCI_DEVICE(dev)) {
            hb->bus = child;
        }
    }
    hb->index = cxl_host_bridges->len;
    g_ptr_array_add(cxl_host_bridges, hb);
    cxl_component_init(&hb->cstate, OBJECT(dev),
                       dev->id ? dev->id : "pxb-cxl",
                       CXL_COMPONENT_HOST_BRIDGE, hb->hdm_count);
}

static void pxb_cxl_exit(PCIDevice *dev)
{
    CXLHostBridge *hb = PXB_CXL_DEVICE(dev);

    if (cxl_host_bridges) {
        g_ptr_array_remove(cxl_host_bridges, hb);
    }
    pxb_cxl_parent_exit(dev);
}

static void pxb_cxl_reset(DeviceState *dev)
{
    cxl_component_reset(&PXB_CXL_DEVICE(dev)->cstate);
}

/* Migration: config space and the host bridge's HDM decoders */
static const VMStateDescription vmstate_pxb_cxl = {
    .name = "pxb-cxl",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj.parent_obj, CXLHostBridge),
        VMSTATE_STRUCT(cstate, CXLHostBridge, 1, vmstate_cxl_component,
                       CXLComponentState),
        VMSTATE_END_OF_LIST()
    }
};

static Property pxb_cxl_properties[] = {
    DEFINE_PROP_UINT32("hdm-decoders", CXLHostBridge, hdm_count, 4),
    DEFINE_PROP_END_OF_LIST(),
};

static void pxb_cxl_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    /*
     * pxb-pcie's realize is a PCIDeviceClass one; wrap it at the
     * DeviceClass level so our checks run first.
     */
    pxb_cxl_parent_realize = dc->realize;
    dc->realize = pxb_cxl_realize;
    pxb_cxl_parent_exit = k->exit;
    k->exit = pxb_cxl_exit;
    dc->reset = pxb_cxl_reset;
    dc->desc = "CXL 2.0 Host Bridge";
    dc->vmsd = &vmstate_pxb_cxl;
    k->class_id = PCI_CLASS_BRIDGE_HOST;
    device_class_set_props(dc, pxb_cxl_properties);
}

static const TypeInfo pxb_cxl_info = {
    .name          = TYPE_PXB_CXL_DEVICE,
    .parent        = TYPE_PXB_PCIE_DEVICE,
    .instance_size = sizeof(CXLHostBridge),
    .class_init    = pxb_cxl_class_init,
};

static void pxb_cxl_register_types(void)
{
    type_register_static(&pxb_cxl_info);
}

type_init(pxb_cxl_register_types)
