print("fuzz-otlp-json: not built with libFuzzer")
