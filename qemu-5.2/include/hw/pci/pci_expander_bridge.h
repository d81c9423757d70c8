/*
 * PCI expander bridge device state, shared with the device types built on
 * pxb-pcie (the CXL host bridge, pxb-cxl).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_PCI_PCI_EXPANDER_BRIDGE_H
#define HW_PCI_PCI_EXPANDER_BRIDGE_H

#include "hw/pci/pci.h"
#include "qom/object.h"

#define TYPE_PXB_DEVICE "pxb"
typedef struct PXBDev PXBDev;
DECLARE_INSTANCE_CHECKER(PXBDev, PXB_DEV,
                         TYPE_PXB_DEVICE)

#define TYPE_PXB_PCIE_DEVICE "pxb-pcie"
DECLARE_INSTANCE_CHECKER(PXBDev, PXB_PCIE_DEV,
                         TYPE_PXB_PCIE_DEVICE)

struct PXBDev {
    /*< private >*/
    PCIDevice parent_obj;
    /*< public >*/

    uint8_t bus_nr;
    uint16_t numa_node;
};

#endif
