/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A target that does nothing: built with the same flags as the real ones,
 * it measures what libFuzzer (or AFL++) costs by itself, so that
 * `make bench-fuzz` can report the harness's cost as a ratio to it.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}
