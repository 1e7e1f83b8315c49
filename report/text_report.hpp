// The human report: protocol table first, then the chain, then findings.
#pragma once

#include <string>

#include "probe/result.hpp"

namespace tlsprobe::report {

struct TextOptions {
    bool color = false;    // ANSI colours (the CLI decides: terminal, --no-color, NO_COLOR)
    bool verbose = false;  // every probe with its timing and evidence
    bool trace = false;    // each probe's exchange, line by line
    // Terminal columns (the CLI decides: --width, the terminal's, else 80). Lines wrap at
    // spaces to fit; only a single word too long for any line, and a command the user is
    // meant to copy (each on a line of its own), may be wider.
    std::size_t width = 80;
};

std::string render_text(const probe::TargetResult& result, const TextOptions& options = {});

}  // namespace tlsprobe::report
