// libFuzzer's documented entry for programs with their own main (LLVM 11 and later): it parses
// libFuzzer's flags from argc/argv and runs the fuzzing loop, calling UserCb once per input.
// The runtime is linked by `-sanitize=fuzzer` (Fuzz/Package.swift).
#ifndef CLIBFUZZER_H
#define CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));

#endif
