// The command line run in-process, as the CLI test files drive it.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.hpp"

namespace tlsprobe::test {

struct CliRun {
    int code;
    std::string out, err;
};

// `tlsprobe ARGS...` with standard output and error captured.
inline CliRun run_cli(std::vector<std::string> args) {
    std::ostringstream out, err;
    const int code = cli::run(args, out, err);
    return {code, out.str(), err.str()};
}

}  // namespace tlsprobe::test
