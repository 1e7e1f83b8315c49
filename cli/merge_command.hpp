// `tlsprobe merge`: the shard outputs of one scan (`tlsprobe scan --shard K/N --jsonl
// part-K.jsonl` on N machines, a Kubernetes Indexed Job or GNU parallel) made into the report
// of the whole scan: the summary, and optionally the merged JSONL, CSV and HTML. Duplicated
// records (a shard run twice, overlapping files) are taken once; torn lines (a killed shard)
// are skipped and counted; a shard without a final summary makes the merged scan "stopped".
#pragma once

#include "cli/cli.hpp"

namespace tlsprobe::cli {

// The row of the command table (cli.hpp).
Command merge_command();

}  // namespace tlsprobe::cli
