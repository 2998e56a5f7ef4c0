// The Wire module: protobuf wire reader and streaming JSON tokenizer (no schema).
