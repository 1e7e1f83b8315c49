// `tlsprobe diff OLD NEW`: probe two endpoints (or read two `tlsprobe probe --json` files) and
// show what changes for clients when NEW replaces OLD: versions, cipher suites, certificate,
// chain, findings, verdict. Exit 1 when NEW regresses (judge/diff.hpp says what counts).
#pragma once

#include "cli/cli.hpp"

namespace tlsprobe::cli {

// The row of the command table (cli.hpp).
Command diff_command();

}  // namespace tlsprobe::cli
