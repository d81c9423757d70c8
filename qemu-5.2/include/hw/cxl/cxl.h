/*
 * CXL 2.0 memory expansion: machine state, fixed memory windows, host
 * bridges, and the register blocks shared by ports and devices.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_CXL_CXL_H
#define HW_CXL_CXL_H

#include "exec/memory.h"
#include "migration/vmstate.h"
#include "hw/acpi/aml-build.h"
#include "hw/cxl/cxl-regs.h"
#include "hw/cxl/cxl-decode.h"
#include "hw/pci/pci.h"

#define CXL_WINDOW_MAX_TARGETS          16
#define CXL_FMW_MIN_GRANULARITY         256
/* Host bridge component register blocks the machine reserves room for */
#define CXL_HOST_BRIDGES_MAX            32
#define CXL_HOST_REG_REGION_SIZE  (CXL_HOST_BRIDGES_MAX * CXL_COMPONENT_REG_SIZE)

#define TYPE_PXB_CXL_DEVICE             "pxb-cxl"
#define TYPE_CXL_ROOT_PORT              "cxl-rp"
#define TYPE_CXL_TYPE3                  "cxl-type3"
#define TYPE_CXL_USP                    "cxl-upstream"
#define TYPE_CXL_DSP                    "cxl-downstream"

typedef struct CXLHostBridge CXLHostBridge;
typedef struct CXLRouteTable CXLRouteTable;

#define TYPE_CXL_FMW_IOMMU_MEMORY_REGION "cxl-fmw-iommu-memory-region"

/*
 * A CXL Fixed Memory Window (CXL 2.0 9.14.1.3): a host physical address
 * range interleaved across host bridges. Parsed from -M cxl-fmw.N.*,
 * placed by the machine, described in the CEDT.
 */
typedef struct CXLFixedWindow {
    unsigned index;                 /* N in cxl-fmw.N */
    uint64_t size;
    uint64_t granularity;           /* bytes, 256 .. 16 KiB */
    char *target_id[CXL_WINDOW_MAX_TARGETS];
    unsigned num_targets;
    CXLHostBridge *target[CXL_WINDOW_MAX_TARGETS];  /* resolved at machine done */
    uint8_t eniw;                   /* CXL 2.0 8.2.5.12.7 encodings */
    uint8_t eig;
    hwaddr base;
    /*
     * The reference path: an I/O region that traps every access and walks
     * the decoders (cxl-fmw-fast-path=off). The fast path: an IOMMU region
     * that maps whole pages straight to a device's memory where the route
     * allows, and elsewhere sends accesses to the trapping region, which
     * then looks up the flat routing table without the big QEMU lock.
     */
    MemoryRegion mr;
    IOMMUMemoryRegion iommu;
    hwaddr trap_base;               /* fast path: where mr sits, hidden */
    bool fast;
    bool map_pages;                 /* fast path: map page-direct routes */
    CXLRouteTable *routes;          /* RCU; NULL: use the walk */
    /*
     * Fast path: segments routed to one device without interleave, mapped
     * as RAM aliases of its memory over the IOMMU region (MemoryRegion *)
     */
    GPtrArray *ram_aliases;
    MemoryRegion *container;        /* where the window is mapped */
} CXLFixedWindow;

/* Machine-wide CXL state, hung off MachineState. */
typedef struct CXLState {
    bool is_enabled;
    GPtrArray *windows;             /* CXLFixedWindow *, by index */
    hwaddr host_reg_base;           /* placed by the machine */
    hwaddr end;                     /* first address after the windows */
    MemoryRegion host_reg_mr;
    unsigned num_host_bridges;
    bool fast_path;                 /* -M cxl-fast-path=on (default) */
    bool map_pages;                 /* -M x-cxl-map-pages=on (default) */
    bool routes_ready;              /* windows mapped, tables kept */
    unsigned fmw_keys;              /* -M cxl-fmw.* keys applied */
} CXLState;

/*
 * Switches nest at most this deep below a root port: the decode walks
 * that many levels, and cxl-upstream refuses to sit deeper.
 */
#define CXL_ROUTE_MAX_SWITCHES  8

/* cxl-fmw.c: -M cxl-fmw.N.{targets.M,size,interleave-granularity}= */
CXLState *cxl_state(MachineState *ms);
bool cxl_fmw_set_option(MachineState *ms, const char *name, const char *value,
                        Error **errp);
bool cxl_fmw_check(CXLState *cxl, Error **errp);
char *cxl_fmw_alias_to_machine_opts(QemuOptsList *machine_opts, const char *arg,
                                    Error **errp);
hwaddr cxl_fmw_layout(CXLState *cxl, hwaddr base, Error **errp);
void cxl_machine_done(MachineState *ms, MemoryRegion *system_memory,
                      Error **errp);
void cxl_machine_class_add_props(ObjectClass *oc);

/*
 * Component registers (CXL 2.0 8.2.4/8.2.5): one 64 KiB block per host
 * bridge, port and device. The CXL.cache/mem part is held as dwords with
 * their reset values and write masks; writes go through one function.
 */
typedef enum CXLComponentKind {
    CXL_COMPONENT_HOST_BRIDGE,
    CXL_COMPONENT_ROOT_PORT,
    CXL_COMPONENT_UPSTREAM_PORT,
    CXL_COMPONENT_DOWNSTREAM_PORT,
    CXL_COMPONENT_ENDPOINT,
} CXLComponentKind;

#define CXL_CACHEMEM_DWORDS (CXL_CACHEMEM_SIZE / 4)
#define CXL_HDM_MAX_TARGETS 8

/*
 * A committed HDM decoder, decoded once at commit (CXL 2.0 8.2.5.12): the
 * access path reads this, never the raw registers.
 */
typedef struct CXLHDMDecoder {
    bool committed;
    uint64_t base;                  /* HPA range [base, base + size) */
    uint64_t size;
    unsigned ways;
    uint64_t granularity;
    uint8_t target[CXL_HDM_MAX_TARGETS];    /* ports, by interleave position */
    uint64_t dpa_base;              /* endpoint: first DPA, skip included */
    uint64_t dpa_size;              /* endpoint: size / ways */
} CXLHDMDecoder;

typedef struct CXLComponentState {
    CXLComponentKind kind;
    const char *name;               /* for logs and traces */
    MemoryRegion mr;                /* 64 KiB: CXL.io part + CXL.cache/mem */
    uint32_t regs[CXL_CACHEMEM_DWORDS];
    uint32_t reset[CXL_CACHEMEM_DWORDS];
    uint32_t rw_mask[CXL_CACHEMEM_DWORDS];
    uint32_t w1c_mask[CXL_CACHEMEM_DWORDS];
    uint32_t ras_offset;            /* of each capability, from 0x1000 */
    uint32_t link_offset;
    uint32_t hdm_offset;
    unsigned hdm_count;             /* HDM decoders, 0 for none */
    unsigned hdm_targets;           /* target list entries per decoder */
    uint64_t dpa_capacity;          /* endpoint: bytes of DPA space */
    CXLHDMDecoder hdm[CXL_HDM_MAX_DECODERS];
} CXLComponentState;

void cxl_component_init(CXLComponentState *cs, Object *owner, const char *name,
                        CXLComponentKind kind, unsigned hdm_count);
void cxl_component_reset(CXLComponentState *cs);
extern const VMStateDescription vmstate_cxl_component;
uint32_t cxl_component_cm_read(CXLComponentState *cs, hwaddr offset);
bool cxl_component_hdm_enabled(CXLComponentState *cs);

/* cxl-route.c: where an HPA in a window goes, the whole decode */
typedef struct CXLRoute {
    struct CXLType3Dev *dev;        /* endpoint reached */
    const CXLHDMDecoder *ep;        /* through this decoder of its */
    uint64_t dpa;
    const char *level;              /* on failure: the level that failed */
    const char *why;
} CXLRoute;
bool cxl_route(CXLFixedWindow *w, hwaddr hpa, CXLRoute *r);
typedef void (*CXLComponentFunc)(CXLComponentState *cs, void *opaque);
void cxl_route_foreach_component(CXLFixedWindow *w, CXLComponentFunc fn,
                                 void *opaque);

/* cxl-route-table.c: the flat routing table, rebuilt on decoder changes */
CXLRouteTable *cxl_route_table_build(CXLFixedWindow *w);
void cxl_route_table_free(CXLRouteTable *t);
void cxl_routes_changed(void);
/* cxl-fmw.c: drop what was mapped from the old routes */
void cxl_fmw_routes_changed(CXLFixedWindow *w);
/* cxl-fmw.c: where @hpa goes, as an access to it would be decoded */
bool cxl_window_route(CXLFixedWindow *w, hwaddr hpa, CXLRoute *r);

/* hw/pci-bridge/cxl_upstream.c: switches */
CXLComponentState *cxl_upstream_port_component(PCIDevice *d);
bool cxl_bus_is_below_cxl_port(PCIBus *bus);

/* cxl-dvsec.c: DVSEC builders (CXL 2.0 8.1) */
uint16_t cxl_dvsec_add(PCIDevice *d, uint16_t offset, uint16_t dvsec_id,
                       uint8_t revision, uint16_t length);
uint16_t cxl_dvsec_add_register_locator(PCIDevice *d, uint16_t offset,
                                        const uint8_t *bir,
                                        const uint8_t *block_id,
                                        const uint64_t *block_offset,
                                        unsigned blocks);
uint16_t cxl_dvsec_add_flexbus(PCIDevice *d, uint16_t offset, bool port);
uint16_t cxl_dvsec_add_port_dvsecs(PCIDevice *d, uint16_t offset);
void cxl_port_init_registers(PCIDevice *d, CXLComponentState *cs,
                             CXLComponentKind kind, unsigned hdm_count,
                             uint8_t bar, uint16_t dvsec_offset);

/* cxl-host.c: CXL host bridges */
bool cxl_machine_check_enabled(const char *what, Error **errp);
MemoryRegion *cxl_host_bridge_registers(CXLHostBridge *hb);
CXLComponentState *cxl_host_bridge_component(CXLHostBridge *hb);
PCIBus *cxl_host_bridge_bus(CXLHostBridge *hb);
CXLHostBridge *cxl_host_bridge_find(const char *id);
bool cxl_bus_is_host_bridge(PCIBus *bus);
uint32_t cxl_host_bridge_uid(CXLHostBridge *hb);
hwaddr cxl_host_bridge_chbcr(CXLHostBridge *hb);
typedef void (*CXLHostBridgeFunc)(CXLHostBridge *hb, void *opaque);
void cxl_host_bridge_foreach(CXLHostBridgeFunc fn, void *opaque);

/* hw/acpi/cxl.c */
void cxl_build_cedt(GArray *table_data, BIOSLinker *linker, CXLState *cxl,
                    const char *oem_id, const char *oem_table_id);
Aml *cxl_build_osc_method(void);
void cxl_build_host_bridge_ids(Aml *dev);
void cxl_build_acpi0017(Aml *scope);

#endif
