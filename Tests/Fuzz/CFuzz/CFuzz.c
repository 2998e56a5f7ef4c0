// CFuzz is header-only; this file exists so SwiftPM builds the target.
#include "CFuzz.h"
// libFuzzer's own main (pulled in by -sanitize=fuzzer) references this symbol; the Swift
// entry point passes its callback to LLVMFuzzerRunDriver instead, so this one never runs.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { (void)data; (void)size; return 0; }
