/*
 * Migration of CXL components (hw/cxl/cxl-vmstate.c)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_CXL_VMSTATE_H
#define HW_CXL_VMSTATE_H

#include "migration/vmstate.h"

/* Parts, for the devices that hold them */
extern const VMStateDescription vmstate_cxl_component;
extern const VMStateDescription vmstate_cxl_device_state;
extern const VMStateDescription vmstate_cxl_cci;

/* Whole devices */
extern const VMStateDescription vmstate_cxl_host;
extern const VMStateDescription vmstate_cxl_usp;
extern const VMStateDescription vmstate_cxl_switch_mailbox_cci;
extern const VMStateDescription vmstate_cxl_type3;

#endif
