print("fuzz-otlp-proto: not built with libFuzzer")
