/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * AFL++ persistent-mode driver around a libFuzzer-style target.
 *
 * The test case comes through shared memory (__AFL_FUZZ_TESTCASE_BUF), not
 * a file, and one process runs many inputs (__AFL_LOOP): the harness resets
 * its whole state per input anyway, so forking per input would only cost
 * time.  Built with afl-clang-fast, which defines the __AFL_* macros.
 *
 * Outside afl-fuzz: `prog FILE...` runs each file once (reproduction);
 * `prog` alone runs the one input read from stdin (AFL++'s fallback).
 * Options are not taken: an argument starting with '-' is an error, not a
 * file name (use ./-name for such a file).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* read(): __AFL_FUZZ_TESTCASE_LEN reads stdin outside afl-fuzz. */
#include <unistd.h>

#include "file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as under libFuzzer. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

__AFL_FUZZ_INIT();

int main(int argc, char **argv)
{
    unsigned char *buf;
    int i;

    if ( LLVMFuzzerInitialize )
        LLVMFuzzerInitialize(&argc, &argv);
    for ( i = 1; i < argc; i++ )
        if ( argv[i][0] == '-' )
        {
            fprintf(stderr, "afl_driver: unknown option '%s' (usage: %s "
                    "[FILE...])\n", argv[i], argv[0]);
            return 2;
        }
    if ( argc > 1 )
    {
        for ( i = 1; i < argc; i++ )
        {
            size_t len;
            uint8_t *data = (uint8_t *)file_read_or_report("afl_driver",
                                                           argv[i], &len);

            if ( !data )
                return 2;
            LLVMFuzzerTestOneInput(data, len);
            free(data);
        }
        return 0;
    }

#ifdef __AFL_HAVE_MANUAL_CONTROL
    __AFL_INIT();
#endif
    /* Must be read after __AFL_INIT(): the map is attached there. */
    buf = __AFL_FUZZ_TESTCASE_BUF;
    while ( __AFL_LOOP(100000) )
    {
        size_t len = __AFL_FUZZ_TESTCASE_LEN;
        /*
         * An exact-size copy, as libFuzzer passes: a read past the end of
         * the input is then an ASan finding in the afl-asan build, not a
         * silent read of the shared map.
         */
        uint8_t *copy = malloc(len ? len : 1);

        if ( !copy )
            abort();
        memcpy(copy, buf, len);
        LLVMFuzzerTestOneInput(copy, len);
        free(copy);
    }
    return 0;
}
