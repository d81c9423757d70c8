/*
 * CXL stubs for builds without CONFIG_CXL: the machine code that knows
 * about CXL links, and -M cxl-fmw.N.* says CXL is not built in.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/boards.h"
#include "hw/cxl/cxl.h"
#include "monitor/monitor.h"
#include "monitor/hmp.h"
#include "qapi/qapi-commands-cxl.h"

CXLState *cxl_state(MachineState *ms)
{
    if (!ms->cxl_state) {
        ms->cxl_state = g_new0(CXLState, 1);
        ms->cxl_state->windows = g_ptr_array_new();
    }
    return ms->cxl_state;
}

bool cxl_fmw_set_option(MachineState *ms, const char *name, const char *value,
                        Error **errp)
{
    error_setg(errp, "%s: this QEMU is built without CXL support", name);
    return false;
}

bool cxl_fmw_check(CXLState *cxl, Error **errp)
{
    return true;
}

char *cxl_fmw_alias_to_machine_opts(QemuOptsList *machine_opts, const char *arg,
                                    Error **errp)
{
    error_setg(errp, "-cxl-fixed-memory-window: this QEMU is built without CXL "
               "support");
    return NULL;
}

hwaddr cxl_fmw_layout(CXLState *cxl, hwaddr base, Error **errp)
{
    return base;
}

void cxl_machine_done(MachineState *ms, MemoryRegion *system_memory,
                      Error **errp)
{
}

void cxl_machine_class_add_props(ObjectClass *oc)
{
}

bool cxl_bus_is_host_bridge(PCIBus *bus)
{
    return false;
}

void cxl_build_cedt(GArray *table_data, BIOSLinker *linker, CXLState *cxl,
                    const char *oem_id, const char *oem_table_id)
{
}

void cxl_build_acpi0017(Aml *scope)
{
}

void cxl_build_host_bridge_ids(Aml *dev)
{
}

void hmp_info_cxl(Monitor *mon, const QDict *qdict)
{
    monitor_printf(mon, "this QEMU is built without CXL support\n");
}

void hmp_cxl_translate(Monitor *mon, const QDict *qdict)
{
    monitor_printf(mon, "this QEMU is built without CXL support\n");
}

CxlInfo *qmp_query_cxl(Error **errp)
{
    return g_new0(CxlInfo, 1);
}

CxlTranslation *qmp_cxl_translate(uint64_t address, Error **errp)
{
    error_setg(errp, "this QEMU is built without CXL support");
    return NULL;
}
