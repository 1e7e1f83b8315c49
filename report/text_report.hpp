// The human report: protocol table first, then the chain, then findings.
#pragma once

#include <string>

#include "probe/result.hpp"

namespace tlsprobe::report {

struct TextOptions {
    bool color = false;    // ANSI colours (the CLI decides: terminal, --no-color, NO_COLOR)
    bool verbose = false;  // every probe with its timing and evidence
    bool trace = false;    // each probe's exchange, line by line
};

std::string render_text(const probe::TargetResult& result, const TextOptions& options = {});

}  // namespace tlsprobe::report
