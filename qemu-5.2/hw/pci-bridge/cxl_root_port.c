/*
 * cxl-rp: a CXL 2.0 root port. A PCIe root port that also carries the
 * DVSECs of a CXL port (CXL 2.0 8.1.5, 8.1.6, 8.1.8), a Register Locator
 * (8.1.9) and a component register block in BAR0 (8.2.4).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/module.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie_port.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "hw/cxl/cxl.h"

OBJECT_DECLARE_SIMPLE_TYPE(CXLRootPort, CXL_ROOT_PORT)

#define CXL_RP_AER_OFFSET           0x100
#define CXL_RP_ACS_OFFSET           (CXL_RP_AER_OFFSET + PCI_ERR_SIZEOF)
#define CXL_RP_DVSEC_OFFSET         0x200
#define CXL_RP_COMPONENT_BAR        0
#define CXL_RP_MSIX_BAR             1

struct CXLRootPort {
    PCIESlot parent_obj;

    CXLComponentState cstate;
};

static uint8_t cxl_rp_aer_vector(const PCIDevice *d)
{
    return 0;
}

static int cxl_rp_interrupts_init(PCIDevice *d, Error **errp)
{
    int rc = msix_init_exclusive_bar(d, 1, CXL_RP_MSIX_BAR, errp);

    if (rc >= 0) {
        msix_vector_use(d, 0);
    }
    return rc;
}

static void cxl_rp_interrupts_uninit(PCIDevice *d)
{
    msix_uninit_exclusive_bar(d);
}

static void cxl_rp_realize(DeviceState *dev, Error **errp)
{
    PCIDevice *d = PCI_DEVICE(dev);
    CXLRootPort *rp = CXL_ROOT_PORT(dev);
    PCIERootPortClass *rpc = PCIE_ROOT_PORT_GET_CLASS(d);
    PCIBus *bus = pci_get_bus(d);
    Error *local_err = NULL;
    int i;

    if (!cxl_machine_check_enabled("cxl-rp", errp)) {
        return;
    }
    if (!pci_bus_is_root(bus) || !cxl_bus_is_host_bridge(bus)) {
        error_setg(errp, "cxl-rp: a CXL root port must sit on the bus of a "
                   "pxb-cxl host bridge (bus=<pxb-cxl id>)");
        return;
    }
    /* Linux numbers a host bridge's dports by port number: no twins */
    for (i = 0; i < ARRAY_SIZE(bus->devices); i++) {
        PCIDevice *other = bus->devices[i];
        if (other && other != d &&
            object_dynamic_cast(OBJECT(other), TYPE_CXL_ROOT_PORT) &&
            PCIE_PORT(other)->port == PCIE_PORT(d)->port) {
            error_setg(errp, "cxl-rp: port=%u is already used by %s on this "
                       "host bridge", PCIE_PORT(d)->port,
                       DEVICE(other)->id ? DEVICE(other)->id : "another cxl-rp");
            return;
        }
    }
    rpc->parent_realize(dev, &local_err);
    if (local_err) {
        error_propagate(errp, local_err);
        return;
    }

    /*
     * No HDM decoder capability: in CXL 2.0 (8.2.5, Table 141) the host
     * bridge's decoders pick the root port; root ports have none.
     */
    cxl_port_init_registers(d, &rp->cstate, CXL_COMPONENT_ROOT_PORT, 0,
                            CXL_RP_COMPONENT_BAR, CXL_RP_DVSEC_OFFSET);
}

static void cxl_rp_reset(DeviceState *dev)
{
    PCIERootPortClass *rpc = PCIE_ROOT_PORT_GET_CLASS(dev);

    rpc->parent_reset(dev);
    cxl_component_reset(&CXL_ROOT_PORT(dev)->cstate);
}

static const VMStateDescription vmstate_cxl_rp = {
    .name = "cxl-root-port",
    .priority = MIG_PRI_PCI_BUS,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = pcie_cap_slot_post_load,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj.parent_obj.parent_obj, PCIESlot),
        VMSTATE_STRUCT(parent_obj.parent_obj.parent_obj.exp.aer_log,
                       PCIESlot, 0, vmstate_pcie_aer_log, PCIEAERLog),
        VMSTATE_MSIX(parent_obj.parent_obj.parent_obj.parent_obj, CXLRootPort),
        VMSTATE_UINT32_ARRAY(cstate.regs, CXLRootPort, CXL_CACHEMEM_DWORDS),
        VMSTATE_END_OF_LIST()
    }
};

static Property cxl_rp_props[] = {
    DEFINE_PROP_PCIE_LINK_SPEED("x-speed", PCIESlot, speed, PCIE_LINK_SPEED_16),
    DEFINE_PROP_PCIE_LINK_WIDTH("x-width", PCIESlot, width, PCIE_LINK_WIDTH_16),
    DEFINE_PROP_END_OF_LIST()
};

static void cxl_rp_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    PCIERootPortClass *rpc = PCIE_ROOT_PORT_CLASS(klass);

    k->vendor_id = PCI_VENDOR_ID_REDHAT;
    k->device_id = 0x00c1;
    dc->desc = "CXL 2.0 Root Port";
    dc->vmsd = &vmstate_cxl_rp;
    device_class_set_props(dc, cxl_rp_props);
    device_class_set_parent_realize(dc, cxl_rp_realize, &rpc->parent_realize);
    device_class_set_parent_reset(dc, cxl_rp_reset, &rpc->parent_reset);

    rpc->aer_vector = cxl_rp_aer_vector;
    rpc->interrupts_init = cxl_rp_interrupts_init;
    rpc->interrupts_uninit = cxl_rp_interrupts_uninit;
    rpc->aer_offset = CXL_RP_AER_OFFSET;
    rpc->acs_offset = CXL_RP_ACS_OFFSET;
}

static const TypeInfo cxl_rp_info = {
    .name          = TYPE_CXL_ROOT_PORT,
    .parent        = TYPE_PCIE_ROOT_PORT,
    .instance_size = sizeof(CXLRootPort),
    .class_init    = cxl_rp_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void cxl_rp_register_types(void)
{
    type_register_static(&cxl_rp_info);
}

type_init(cxl_rp_register_types)
