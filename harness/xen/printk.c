/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen's printk() (common/vsprintf.c, drivers/char/console.c) for the
 * harness: Xen's own messages, gdprintk()s of grant_table.c above all,
 * with their values, so that a replayed case (GTIO_VERBOSE=1) shows what
 * Xen said and about whom.  printf's conversions go to the C library one
 * at a time; Xen's own %pd (a domain) and %pv (a vCPU) are done here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <xen/sched.h>

#include "fault.h"
#include "xen_printk.h"

struct out {
    char *buf;
    size_t size;
    size_t len;             /* what was or would have been written */
};

static void emit(struct out *o, const char *s, size_t n)
{
    size_t room = o->len + 1 < o->size ? o->size - 1 - o->len : 0;

    if ( room )
        memcpy(o->buf + o->len, s, n < room ? n : room);
    o->len += n;
}

static void emit_str(struct out *o, const char *s)
{
    emit(o, s, strlen(s));
}

/* Xen's names of the domain ids that are not guests. */
static const char *special_domain(domid_t id)
{
    switch ( id )
    {
    case DOMID_IO:   return "[IO]";
    case DOMID_XEN:  return "[XEN]";
    case DOMID_COW:  return "[COW]";
    case DOMID_IDLE: return "[IDLE]";
    }
    return NULL;
}

static void emit_domain(struct out *o, const struct domain *d)
{
    char num[16];
    const char *name;

    if ( !d )
    {
        emit_str(o, "NULL");
        return;
    }
    name = special_domain(d->domain_id);
    if ( !name )
    {
        snprintf(num, sizeof(num), "%u", d->domain_id);
        name = num;
    }
    emit_str(o, "d");
    emit_str(o, name);
}

static void emit_vcpu(struct out *o, const struct vcpu *v)
{
    char num[16];

    if ( !v )
    {
        emit_str(o, "NULL");
        return;
    }
    emit_domain(o, v->domain);
    snprintf(num, sizeof(num), "v%d", v->vcpu_id);
    emit_str(o, num);
}

/*
 * One printf conversion: spec is "%", flags, width, precision, length
 * and the conversion character, with each '*' already replaced by its
 * number.  The argument is taken with the type the length gives, and
 * printed straight into the output, however wide.
 */
static void emit_conversion(struct out *o, const char *spec, const char *len,
                            char conv, va_list *ap)
{
    size_t room = o->len < o->size ? o->size - o->len : 0;
    char *dst = room ? o->buf + o->len : NULL;
    bool is_signed = conv == 'd' || conv == 'i';
    int n;

    if ( conv == 's' )
        n = snprintf(dst, room, spec, va_arg(*ap, const char *));
    else if ( conv == 'p' )
        n = snprintf(dst, room, spec, va_arg(*ap, void *));
    else if ( conv == 'c' )
        n = snprintf(dst, room, spec, va_arg(*ap, int));
    else if ( !strcmp(len, "ll") || !strcmp(len, "j") )
        n = snprintf(dst, room, spec,
                     is_signed ? va_arg(*ap, long long)
                               : (long long)va_arg(*ap, unsigned long long));
    else if ( len[0] == 'l' || len[0] == 'z' || len[0] == 't' )
        n = snprintf(dst, room, spec,
                     is_signed ? va_arg(*ap, long)
                               : (long)va_arg(*ap, unsigned long));
    else
        n = snprintf(dst, room, spec,
                     is_signed ? va_arg(*ap, int)
                               : (int)va_arg(*ap, unsigned int));
    if ( n > 0 )
        o->len += n;
}

/* Appends to spec the digits, or a '*' argument's number, at *fmt. */
static const char *take_number(const char *fmt, char *spec, size_t room,
                               va_list *ap)
{
    size_t n = strlen(spec);

    if ( *fmt == '*' )
    {
        snprintf(spec + n, room - n, "%d", va_arg(*ap, int));
        return fmt + 1;
    }
    while ( *fmt >= '0' && *fmt <= '9' && n + 1 < room )
        spec[n++] = *fmt++;
    spec[n] = '\0';
    return fmt;
}

static const char *take_chars(const char *fmt, const char *set, char *dst,
                              size_t room)
{
    size_t n = strlen(dst);

    while ( *fmt && strchr(set, *fmt) && n + 1 < room )
        dst[n++] = *fmt++;
    dst[n] = '\0';
    return fmt;
}

/*
 * The conversion at fmt (just past its '%'); returns what follows it, or
 * NULL for one printf does not know either: the caller prints the rest
 * of the format as it is rather than guess an argument's type.
 */
static const char *emit_spec(struct out *o, const char *fmt, va_list *ap)
{
    char spec[48] = "%", len[4] = "";
    size_t n;

    fmt = take_chars(fmt, "-+ #0", spec, sizeof(spec));
    fmt = take_number(fmt, spec, sizeof(spec), ap);
    if ( *fmt == '.' )
    {
        strcat(spec, ".");
        fmt = take_number(fmt + 1, spec, sizeof(spec), ap);
    }
    fmt = take_chars(fmt, "hlzjt", len, sizeof(len));
    if ( !*fmt || !strchr("diuxXocsp", *fmt) )
        return NULL;
    if ( *fmt == 'p' && (fmt[1] == 'd' || fmt[1] == 'v') )
    {
        if ( fmt[1] == 'd' )
            emit_domain(o, va_arg(*ap, const struct domain *));
        else
            emit_vcpu(o, va_arg(*ap, const struct vcpu *));
        return fmt + 2;
    }
    n = strlen(spec);
    snprintf(spec + n, sizeof(spec) - n, "%s%c", len, *fmt);
    emit_conversion(o, spec, len, *fmt, ap);
    return fmt + 1;
}

size_t xen_vsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
    struct out o = { .buf = buf, .size = size };
    const char *pct, *next;
    va_list ap;

    va_copy(ap, args);
    while ( (pct = strchr(fmt, '%')) )
    {
        emit(&o, fmt, pct - fmt);
        if ( pct[1] == '%' )
        {
            emit(&o, "%", 1);
            fmt = pct + 2;
            continue;
        }
        next = emit_spec(&o, pct + 1, &ap);
        if ( !next )
        {
            fmt = pct;
            break;
        }
        fmt = next;
    }
    emit_str(&o, fmt);
    va_end(ap);
    if ( size )
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len;
}

size_t xen_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = xen_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Xen's log level prefix ("<0>".."<3>" in the shim's XENLOG_*): dropped. */
static const char *without_level(const char *fmt)
{
    if ( fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '9' && fmt[2] == '>' )
        return fmt + 3;
    return fmt;
}

void hh_printk_xen(const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if ( !harness_printk_on() )
        return;
    va_start(ap, fmt);
    xen_vsnprintf(line, sizeof(line), without_level(fmt), ap);
    va_end(ap);
    fputs(line, stderr);
}
