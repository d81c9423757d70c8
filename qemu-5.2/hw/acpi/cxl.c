/*
 * ACPI for CXL 2.0 (CXL 2.0 9.14): the CXL Early Discovery Table (CEDT)
 * with one CHBS per host bridge and one CFMWS per fixed memory window,
 * the ACPI0017 root object, and the _OSC method of ACPI0016 host bridges.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/bios-linker-loader.h"
#include "hw/cxl/cxl.h"

/* CXL 2.0 9.14.1.2 Table 202: CXL Host Bridge Structure */
static void cxl_build_chbs(CXLHostBridge *hb, void *opaque)
{
    GArray *table_data = opaque;

    build_append_int_noprefix(table_data, CEDT_TYPE_CHBS, 1);
    build_append_int_noprefix(table_data, 0, 1);              /* reserved */
    build_append_int_noprefix(table_data, sizeof(CEDTCHBS), 2);
    build_append_int_noprefix(table_data, cxl_host_bridge_uid(hb), 4);
    build_append_int_noprefix(table_data, CHBS_CXL_VERSION_2_0, 4);
    build_append_int_noprefix(table_data, 0, 4);              /* reserved */
    build_append_int_noprefix(table_data, cxl_host_bridge_chbcr(hb), 8);
    build_append_int_noprefix(table_data, CXL_COMPONENT_REG_SIZE, 8);
}

/* CXL 2.0 9.14.1.3 Table 203: CXL Fixed Memory Window Structure */
static void cxl_build_cfmws(GArray *table_data, CXLFixedWindow *w)
{
    unsigned t;

    build_append_int_noprefix(table_data, CEDT_TYPE_CFMWS, 1);
    build_append_int_noprefix(table_data, 0, 1);              /* reserved */
    build_append_int_noprefix(table_data,
                              sizeof(CEDTCFMWS) + 4 * w->num_targets, 2);
    build_append_int_noprefix(table_data, 0, 4);              /* reserved */
    build_append_int_noprefix(table_data, w->base, 8);
    build_append_int_noprefix(table_data, w->size, 8);
    build_append_int_noprefix(table_data, w->eniw, 1);
    build_append_int_noprefix(table_data, CFMWS_ARITH_MODULO, 1);
    build_append_int_noprefix(table_data, 0, 2);              /* reserved */
    build_append_int_noprefix(table_data, w->eig, 4);
    /* Any Type 3 memory, volatile or persistent, may use the window */
    build_append_int_noprefix(table_data, CFMWS_RESTRICT_TYPE3 |
                              CFMWS_RESTRICT_VOLATILE | CFMWS_RESTRICT_PMEM, 2);
    build_append_int_noprefix(table_data, 0, 2);              /* QTG id */
    for (t = 0; t < w->num_targets; t++) {
        build_append_int_noprefix(table_data,
                                  cxl_host_bridge_uid(w->target[t]), 4);
    }
}

void cxl_build_cedt(GArray *table_data, BIOSLinker *linker, CXLState *cxl,
                    const char *oem_id, const char *oem_table_id)
{
    int cedt_start = table_data->len;
    unsigned i;

    acpi_data_push(table_data, sizeof(AcpiTableHeader));
    cxl_host_bridge_foreach(cxl_build_chbs, table_data);
    for (i = 0; i < cxl->windows->len; i++) {
        cxl_build_cfmws(table_data, g_ptr_array_index(cxl->windows, i));
    }
    build_header(linker, table_data, (void *)(table_data->data + cedt_start),
                 "CEDT", table_data->len - cedt_start, CEDT_REVISION,
                 oem_id, oem_table_id);
}

/*
 * _OSC of an ACPI0016 host bridge. It answers the PCI Host Bridge UUID as
 * q35's PCI0 does, and CXL 2.0 9.14.2's CXL UUID, whose buffer adds
 * DWORD4 (CXL support) and DWORD5 (CXL control). The OS may have native
 * PME, AER, PCIe hotplug, SHPC and capability-structure control, and CXL
 * Memory Error Reporting control (DWORD5 bit 0).
 */
#define PCI_HOST_BRIDGE_OSC_UUID "33DB4D5B-1FF7-401C-9657-7441C03DD766"
#define OSC_CTRL_PCIE_GRANTED   0x1f
#define OSC_CTRL_CXL_GRANTED    0x01
#define OSC_STATUS_UNKNOWN_UUID 0x04
#define OSC_STATUS_UNKNOWN_REV  0x08
#define OSC_STATUS_MASKED       0x10

Aml *cxl_build_osc_method(void)
{
    Aml *method, *if_known, *if_cxl, *ifc, *else_ctx;
    Aml *cdw1 = aml_name("CDW1");
    Aml *ctrl = aml_local(0);
    Aml *cxl_ctrl = aml_local(1);
    Aml *is_pci = aml_equal(aml_arg(0), aml_touuid(PCI_HOST_BRIDGE_OSC_UUID));
    Aml *is_cxl = aml_equal(aml_arg(0), aml_touuid(CXL_OSC_UUID));

    method = aml_method("_OSC", 4, AML_NOTSERIALIZED);
    aml_append(method, aml_create_dword_field(aml_arg(3), aml_int(0), "CDW1"));

    if_known = aml_if(aml_lor(is_pci, is_cxl));
    aml_append(if_known, aml_create_dword_field(aml_arg(3), aml_int(4), "CDW2"));
    aml_append(if_known, aml_create_dword_field(aml_arg(3), aml_int(8), "CDW3"));
    aml_append(if_known, aml_and(aml_name("CDW3"),
                                 aml_int(OSC_CTRL_PCIE_GRANTED), ctrl));
    ifc = aml_if(aml_lnot(aml_equal(aml_arg(1), aml_int(1))));
    aml_append(ifc, aml_or(cdw1, aml_int(OSC_STATUS_UNKNOWN_REV), cdw1));
    aml_append(if_known, ifc);
    ifc = aml_if(aml_lnot(aml_equal(aml_name("CDW3"), ctrl)));
    aml_append(ifc, aml_or(cdw1, aml_int(OSC_STATUS_MASKED), cdw1));
    aml_append(if_known, ifc);
    aml_append(if_known, aml_store(ctrl, aml_name("CDW3")));

    if_cxl = aml_if(aml_equal(aml_arg(0), aml_touuid(CXL_OSC_UUID)));
    aml_append(if_cxl, aml_create_dword_field(aml_arg(3), aml_int(12), "CDW4"));
    aml_append(if_cxl, aml_create_dword_field(aml_arg(3), aml_int(16), "CDW5"));
    aml_append(if_cxl, aml_and(aml_name("CDW5"),
                               aml_int(OSC_CTRL_CXL_GRANTED), cxl_ctrl));
    ifc = aml_if(aml_lnot(aml_equal(aml_name("CDW5"), cxl_ctrl)));
    aml_append(ifc, aml_or(cdw1, aml_int(OSC_STATUS_MASKED), cdw1));
    aml_append(if_cxl, ifc);
    aml_append(if_cxl, aml_store(cxl_ctrl, aml_name("CDW5")));
    aml_append(if_known, if_cxl);
    aml_append(method, if_known);

    else_ctx = aml_else();
    aml_append(else_ctx, aml_or(cdw1, aml_int(OSC_STATUS_UNKNOWN_UUID), cdw1));
    aml_append(method, else_ctx);

    aml_append(method, aml_return(aml_arg(3)));
    return method;
}

/* CXL 2.0 9.14.3: the ACPI0017 object that tells the OS CXL is present */
void cxl_build_acpi0017(Aml *scope)
{
    Aml *dev = aml_device("CXLM");

    aml_append(dev, aml_name_decl("_HID", aml_string("ACPI0017")));
    aml_append(dev, aml_name_decl("_STA", aml_int(0xf)));
    aml_append(scope, dev);
}

/* The device identity of an ACPI0016 host bridge, for the DSDT */
void cxl_build_host_bridge_ids(Aml *dev)
{
    Aml *cid = aml_package(2);

    aml_append(dev, aml_name_decl("_HID", aml_string("ACPI0016")));
    aml_append(cid, aml_eisaid("PNP0A08"));
    aml_append(cid, aml_eisaid("PNP0A03"));
    aml_append(dev, aml_name_decl("_CID", cid));
    aml_append(dev, cxl_build_osc_method());
}
