/*
 * cxl-downstream: a downstream port of a CXL 2.0 switch. A PCIe switch
 * downstream port with the DVSECs of a CXL port, a Register Locator and
 * component registers in BAR0 (CXL 2.0 8.1.5-8.1.9, 8.2.4). The switch's
 * upstream port decodes; a downstream port only forwards.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/module.h"
#include "hw/pci/msi.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_port.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "hw/cxl/cxl.h"

OBJECT_DECLARE_SIMPLE_TYPE(CXLDownstreamPort, CXL_DSP)

#define CXL_DSP_MSI_OFFSET          0x70
#define CXL_DSP_EXP_OFFSET          0x90
#define CXL_DSP_AER_OFFSET          0x100
#define CXL_DSP_DVSEC_OFFSET        0x200
#define CXL_DSP_COMPONENT_BAR       0

struct CXLDownstreamPort {
    PCIESlot parent_obj;

    CXLComponentState cstate;
};

static void cxl_dsp_write_config(PCIDevice *d, uint32_t address, uint32_t val,
                                 int len)
{
    uint16_t slt_ctl, slt_sta;

    pcie_cap_slot_get(d, &slt_ctl, &slt_sta);
    pci_bridge_write_config(d, address, val, len);
    pcie_cap_flr_write_config(d, address, val, len);
    pcie_cap_slot_write_config(d, slt_ctl, slt_sta, address, val, len);
    pcie_aer_write_config(d, address, val, len);
}

static void cxl_dsp_reset(DeviceState *dev)
{
    PCIDevice *d = PCI_DEVICE(dev);

    pcie_cap_deverr_reset(d);
    pcie_cap_slot_reset(d);
    pcie_cap_arifwd_reset(d);
    pci_bridge_reset(dev);
    cxl_component_reset(&CXL_DSP(dev)->cstate);
}

static void cxl_dsp_realize(PCIDevice *d, Error **errp)
{
    CXLDownstreamPort *dsp = CXL_DSP(d);
    PCIEPort *p = PCIE_PORT(d);
    PCIESlot *s = PCIE_SLOT(d);
    PCIBus *bus = pci_get_bus(d);
    PCIDevice *usp = pci_bridge_get_device(bus);
    int rc, i;

    if (!cxl_machine_check_enabled("cxl-downstream", errp)) {
        return;
    }
    if (!usp || !object_dynamic_cast(OBJECT(usp), TYPE_CXL_USP)) {
        error_setg(errp, "cxl-downstream: must sit on the bus of a "
                   "cxl-upstream port (bus=<cxl-upstream id>)");
        return;
    }
    for (i = 0; i < ARRAY_SIZE(bus->devices); i++) {
        PCIDevice *other = bus->devices[i];
        if (other && other != d &&
            object_dynamic_cast(OBJECT(other), TYPE_CXL_DSP) &&
            PCIE_PORT(other)->port == p->port) {
            error_setg(errp, "cxl-downstream: port=%u is already used on this "
                       "switch", p->port);
            return;
        }
    }
    pci_bridge_initfn(d, TYPE_PCIE_BUS);
    pcie_port_init_reg(d);
    rc = msi_init(d, CXL_DSP_MSI_OFFSET, 1, true, false, errp);
    if (rc < 0) {
        goto err_bridge;
    }
    rc = pcie_cap_init(d, CXL_DSP_EXP_OFFSET, PCI_EXP_TYPE_DOWNSTREAM, p->port, errp);
    if (rc < 0) {
        goto err_msi;
    }
    pcie_cap_flr_init(d);
    pcie_cap_deverr_init(d);
    pcie_cap_slot_init(d, s);
    pcie_cap_arifwd_init(d);
    pcie_chassis_create(s->chassis);
    rc = pcie_chassis_add_slot(s);
    if (rc < 0) {
        error_setg(errp, "cxl-downstream: chassis %u slot %u is already used",
                   s->chassis, s->slot);
        goto err_cap;
    }
    rc = pcie_aer_init(d, PCI_ERR_VER, CXL_DSP_AER_OFFSET, PCI_ERR_SIZEOF, errp);
    if (rc < 0) {
        goto err_slot;
    }

    cxl_port_init_registers(d, &dsp->cstate, CXL_COMPONENT_DOWNSTREAM_PORT, 0,
                            CXL_DSP_COMPONENT_BAR, CXL_DSP_DVSEC_OFFSET);
    return;

err_slot:
    pcie_chassis_del_slot(s);
err_cap:
    pcie_cap_exit(d);
err_msi:
    msi_uninit(d);
err_bridge:
    pci_bridge_exitfn(d);
}

static void cxl_dsp_exitfn(PCIDevice *d)
{
    pcie_aer_exit(d);
    pcie_chassis_del_slot(PCIE_SLOT(d));
    pcie_cap_exit(d);
    msi_uninit(d);
    pci_bridge_exitfn(d);
}

static const VMStateDescription vmstate_cxl_dsp = {
    .name = "cxl-downstream",
    .priority = MIG_PRI_PCI_BUS,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = pcie_cap_slot_post_load,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj.parent_obj.parent_obj, PCIESlot),
        VMSTATE_STRUCT(parent_obj.parent_obj.parent_obj.exp.aer_log, PCIESlot, 0,
                       vmstate_pcie_aer_log, PCIEAERLog),
        VMSTATE_STRUCT(cstate, CXLDownstreamPort, 1, vmstate_cxl_component,
                       CXLComponentState),
        VMSTATE_END_OF_LIST()
    }
};

static void cxl_dsp_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->is_bridge = true;
    k->config_write = cxl_dsp_write_config;
    k->realize = cxl_dsp_realize;
    k->exit = cxl_dsp_exitfn;
    k->vendor_id = PCI_VENDOR_ID_REDHAT;
    k->device_id = 0x00c3;
    k->revision = 1;
    set_bit(DEVICE_CATEGORY_BRIDGE, dc->categories);
    dc->desc = "CXL 2.0 Switch Downstream Port";
    dc->reset = cxl_dsp_reset;
    dc->vmsd = &vmstate_cxl_dsp;
}

static const TypeInfo cxl_dsp_info = {
    .name          = TYPE_CXL_DSP,
    .parent        = TYPE_PCIE_SLOT,
    .instance_size = sizeof(CXLDownstreamPort),
    .class_init    = cxl_dsp_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void cxl_dsp_register_types(void)
{
    type_register_static(&cxl_dsp_info);
}

type_init(cxl_dsp_register_types)
