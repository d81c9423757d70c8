/*
 * cxl-upstream: the upstream port of a CXL 2.0 switch. A PCIe switch
 * upstream port with the DVSECs of a CXL port (CXL 2.0 8.1.5, 8.1.6,
 * 8.1.8), a Register Locator (8.1.9) and component registers in BAR0 with
 * the HDM decoders that pick a downstream port (8.2.5.12).
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

OBJECT_DECLARE_SIMPLE_TYPE(CXLUpstreamPort, CXL_USP)

#define CXL_USP_MSI_OFFSET          0x70
#define CXL_USP_EXP_OFFSET          0x90
#define CXL_USP_AER_OFFSET          0x100
#define CXL_USP_DVSEC_OFFSET        0x200
#define CXL_USP_COMPONENT_BAR       0

struct CXLUpstreamPort {
    PCIEPort parent_obj;

    uint32_t hdm_count;
    CXLComponentState cstate;
};

CXLComponentState *cxl_upstream_port_component(PCIDevice *d)
{
    return &CXL_USP(d)->cstate;
}

static void cxl_usp_write_config(PCIDevice *d, uint32_t address, uint32_t val,
                                 int len)
{
    pci_bridge_write_config(d, address, val, len);
    pcie_cap_flr_write_config(d, address, val, len);
    pcie_aer_write_config(d, address, val, len);
}

static void cxl_usp_reset(DeviceState *dev)
{
    PCIDevice *d = PCI_DEVICE(dev);

    pci_bridge_reset(dev);
    pcie_cap_deverr_reset(d);
    cxl_component_reset(&CXL_USP(dev)->cstate);
}

/* A switch sits below a CXL root port or a CXL switch downstream port */
bool cxl_bus_is_below_cxl_port(PCIBus *bus)
{
    PCIDevice *port = pci_bridge_get_device(bus);

    return port && (object_dynamic_cast(OBJECT(port), TYPE_CXL_ROOT_PORT) ||
                    object_dynamic_cast(OBJECT(port), TYPE_CXL_DSP));
}

/* How many switches are above a switch upstream port placed on @bus */
static unsigned cxl_usp_level(PCIBus *bus)
{
    unsigned level = 0;

    while (!pci_bus_is_root(bus)) {
        PCIDevice *bridge = pci_bridge_get_device(bus);

        if (object_dynamic_cast(OBJECT(bridge), TYPE_CXL_USP)) {
            level++;
        }
        bus = pci_get_bus(bridge);
    }
    return level;
}

static void cxl_usp_realize(PCIDevice *d, Error **errp)
{
    CXLUpstreamPort *usp = CXL_USP(d);
    PCIEPort *p = PCIE_PORT(d);
    int rc;

    if (!cxl_machine_check_enabled("cxl-upstream", errp)) {
        return;
    }
    if (!cxl_bus_is_below_cxl_port(pci_get_bus(d))) {
        error_setg(errp, "cxl-upstream: a CXL switch must sit below a cxl-rp "
                   "or cxl-downstream port (bus=<port id>)");
        return;
    }
    if (usp->hdm_count < 1 || usp->hdm_count > CXL_HDM_MAX_DECODERS ||
        (usp->hdm_count > 1 && usp->hdm_count % 2)) {
        error_setg(errp, "cxl-upstream: hdm-decoders=%u: must be 1, 2, 4, 6, "
                   "8 or 10", usp->hdm_count);
        return;
    }
    if (cxl_usp_level(pci_get_bus(d)) >= CXL_ROUTE_MAX_SWITCHES) {
        error_setg(errp, "cxl-upstream: switches nest at most %d deep below "
                   "a root port; this one would be level %u",
                   CXL_ROUTE_MAX_SWITCHES, cxl_usp_level(pci_get_bus(d)) + 1);
        return;
    }
    pci_bridge_initfn(d, TYPE_PCIE_BUS);
    pcie_port_init_reg(d);
    rc = msi_init(d, CXL_USP_MSI_OFFSET, 1, true, false, errp);
    if (rc < 0) {
        goto err_bridge;
    }
    rc = pcie_cap_init(d, CXL_USP_EXP_OFFSET, PCI_EXP_TYPE_UPSTREAM, p->port, errp);
    if (rc < 0) {
        goto err_msi;
    }
    pcie_cap_flr_init(d);
    pcie_cap_deverr_init(d);
    rc = pcie_aer_init(d, PCI_ERR_VER, CXL_USP_AER_OFFSET, PCI_ERR_SIZEOF, errp);
    if (rc < 0) {
        goto err_cap;
    }

    cxl_port_init_registers(d, &usp->cstate, CXL_COMPONENT_UPSTREAM_PORT,
                            usp->hdm_count,
                            CXL_USP_COMPONENT_BAR, CXL_USP_DVSEC_OFFSET);
    return;

err_cap:
    pcie_cap_exit(d);
err_msi:
    msi_uninit(d);
err_bridge:
    pci_bridge_exitfn(d);
}

static void cxl_usp_exitfn(PCIDevice *d)
{
    pcie_aer_exit(d);
    msi_uninit(d);
    pci_bridge_exitfn(d);
}

static const VMStateDescription vmstate_cxl_usp = {
    .name = "cxl-upstream",
    .priority = MIG_PRI_PCI_BUS,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj.parent_obj, PCIEPort),
        VMSTATE_STRUCT(parent_obj.parent_obj.exp.aer_log, PCIEPort, 0,
                       vmstate_pcie_aer_log, PCIEAERLog),
        VMSTATE_STRUCT(cstate, CXLUpstreamPort, 1, vmstate_cxl_component,
                       CXLComponentState),
        VMSTATE_END_OF_LIST()
    }
};

static Property cxl_usp_props[] = {
    DEFINE_PROP_UINT32("hdm-decoders", CXLUpstreamPort, hdm_count, 4),
    DEFINE_PROP_END_OF_LIST()
};

static void cxl_usp_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->is_bridge = true;
    k->config_write = cxl_usp_write_config;
    k->realize = cxl_usp_realize;
    k->exit = cxl_usp_exitfn;
    k->vendor_id = PCI_VENDOR_ID_REDHAT;
    k->device_id = 0x00c2;
    k->revision = 1;
    set_bit(DEVICE_CATEGORY_BRIDGE, dc->categories);
    dc->desc = "CXL 2.0 Switch Upstream Port";
    dc->reset = cxl_usp_reset;
    dc->vmsd = &vmstate_cxl_usp;
    device_class_set_props(dc, cxl_usp_props);
}

static const TypeInfo cxl_usp_info = {
    .name          = TYPE_CXL_USP,
    .parent        = TYPE_PCIE_PORT,
    .instance_size = sizeof(CXLUpstreamPort),
    .class_init    = cxl_usp_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void cxl_usp_register_types(void)
{
    type_register_static(&cxl_usp_info);
}

type_init(cxl_usp_register_types)
