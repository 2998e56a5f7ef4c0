#ifndef SLOD_CFUZZ_H
#define SLOD_CFUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/// Provided by libFuzzer when linked with -sanitize=fuzzer; null otherwise.
extern int LLVMFuzzerRunDriver(int *argc, char ***argv,
                               int (*cb)(const uint8_t *, size_t)) __attribute__((weak));

/// Runs libFuzzer's driver, or returns 2 with a hint when the binary was built without it.
static inline int cfuzz_run(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t)) {
    if (LLVMFuzzerRunDriver == NULL) {
        fputs("this binary was built without libFuzzer: build with "
              "-Xswiftc -sanitize=fuzzer,address (see README)\n", stderr);
        return 2;
    }
    return LLVMFuzzerRunDriver(argc, argv, cb);
}
#endif
