// Aggregation: shards, series table, temporality, staleness, cardinality limits (issue 4).
