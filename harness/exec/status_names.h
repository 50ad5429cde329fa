/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The status names a trace's log prints (harness/exec/exec.c), one list for
 * both sides of the dual traces: the booted dom0's module
 * (tests/xen/boot/dual.c, built by scripts/xen-boot.sh with a copy of
 * this file) prints the same names, which are compared as text.
 * X(name) for each; the errno ones are printed negated, "-EINVAL".
 * The includer provides the GNTST_ and errno values, bool and snprintf().
 */
#ifndef GTIO_STATUS_NAMES_H
#define GTIO_STATUS_NAMES_H

#define GNTST_NAMES(X) \
    X(GNTST_okay) X(GNTST_general_error) X(GNTST_bad_domain) \
    X(GNTST_bad_gntref) X(GNTST_bad_handle) X(GNTST_bad_dev_addr) \
    X(GNTST_no_space) X(GNTST_permission_denied) X(GNTST_bad_page)

#define ERRNO_NAMES(X) \
    X(EPERM) X(EIO) X(ENOMEM) X(EBUSY) X(EEXIST) X(EINVAL) X(ENOSPC) \
    X(ENXIO) X(EOPNOTSUPP) X(ETIMEDOUT)

/* A grant table op's status (GNTST_*), or another op's 0 or -errno. */
static inline const char *gtio_status_name(bool grant_op, int status,
                                           char *buf, size_t len)
{
#define GNTST_CASE(name) case name: return #name;
#define ERRNO_CASE(name) case -name: return "-" #name;
    if ( grant_op )
        switch ( status )
        {
        GNTST_NAMES(GNTST_CASE)
        }
    else if ( !status )
        return "0";
    else
        switch ( status )
        {
        ERRNO_NAMES(ERRNO_CASE)
        }
#undef GNTST_CASE
#undef ERRNO_CASE
    snprintf(buf, len, "%d", status);
    return buf;
}

#endif /* GTIO_STATUS_NAMES_H */
