// tlsprobe: the executable is only the command line; everything else lives in the libraries.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "cli/cli_common.hpp"

int main(int argc, char** argv) {
    // cli::run maps every exception itself; the guard here covers what happens before it
    // (the argument copy) with the same messages and codes: 2 usage, 4 internal error.
    return tlsprobe::cli::run_guarded(std::cerr, [&] {
        const std::vector<std::string> args(argv + 1, argv + argc);
        return tlsprobe::cli::run(args, std::cout, std::cerr);
    });
}
